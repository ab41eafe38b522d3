/**
 * Health changes for the event stream (`health` events of `GET /api/events`): compares each
 * asset's score with the one last seen and returns those that changed. The caller reads scores
 * on its own beat (every few seconds, and after committed alarm or order changes) and publishes
 * what this returns; the first call reports every asset once.
 */
export class HealthWatch {
  private readonly last = new Map<string, number>();

  changes(scores: readonly { id: string; score: number }[]): { asset: string; score: number; previous: number | undefined }[] {
    const out: { asset: string; score: number; previous: number | undefined }[] = [];
    for (const s of scores) {
      const prev = this.last.get(s.id);
      if (prev !== s.score) {
        out.push({ asset: s.id, score: s.score, previous: prev });
        this.last.set(s.id, s.score);
      }
    }
    return out;
  }
}
