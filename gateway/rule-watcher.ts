import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../src/core/logger.js';

/**
 * Watches rule files and folders and calls `reload` once things settle (editors write a file in
 * several steps: 300 ms debounce). Watches the folders, so a file replaced by rename is seen too.
 */
export function watchRules(files: readonly string[], configured: readonly string[], reload: () => void, log: Logger): { close(): void } {
  const dirs = new Set<string>([...configured.filter((p) => !/\.ya?ml$/.test(p)), ...files.map((f) => dirname(f))]);
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  for (const d of dirs) {
    try {
      const w = watch(d, (_event, name) => {
        if (name && !/\.ya?ml$/.test(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(reload, 300);
      });
      w.on('error', (e) => log.warn({ dir: d, err: e.message }, 'rule watcher error'));
      watchers.push(w);
    } catch (e) {
      log.warn({ dir: d, err: (e as Error).message }, 'cannot watch rule folder; hot reload off for it');
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
