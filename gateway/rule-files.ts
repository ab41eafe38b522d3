import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Clock } from '../src/core/clock.js';
import { CbmError, errorMessage } from '../src/core/errors.js';
import { resolveFrom, type LoadedConfig } from '../src/config/load.js';
import { ruleFiles } from '../src/rules/load.js';
import type { Db } from '../src/store/db.js';

/** A rule file's version: the first 16 hex digits of the SHA-256 of its text. */
export function versionOf(yaml: string): string {
  return createHash('sha256').update(yaml).digest('hex').slice(0, 16);
}

export interface RuleFileVersion {
  version: string;
  at: number;
  actor: string;
  /** `save` and `rollback` through the API; `file`: the file as found on disk (edited by hand, or before the first save). */
  action: 'save' | 'rollback' | 'file';
}

/**
 * The rule files the site config names (files, and the `*.yaml` of the folders it names), edited
 * through the API: named by their path relative to the config's folder (`rules/pumps.yaml`); any
 * other path is refused. Every version saved is kept in SQLite (`rule_versions`), and the file as
 * it was found before a save, so a rollback can return to it.
 */
export class RuleFiles {
  private readonly ins;
  private readonly list;
  private readonly one;
  private readonly newest;

  constructor(
    private readonly loaded: Pick<LoadedConfig, 'baseDir' | 'config'>,
    db: Db,
    private readonly clock: Clock,
  ) {
    this.ins = db.prepare('INSERT INTO rule_versions (file, version, yaml, action, actor, at) VALUES (?, ?, ?, ?, ?, ?)');
    this.list = db.prepare('SELECT version, at, actor, action FROM rule_versions WHERE file = ? ORDER BY id DESC');
    this.one = db.prepare('SELECT yaml FROM rule_versions WHERE file = ? AND version = ? ORDER BY id DESC LIMIT 1').pluck();
    this.newest = db.prepare('SELECT version FROM rule_versions WHERE file = ? ORDER BY id DESC LIMIT 1').pluck();
  }

  /** Absolute paths of every rule file the gateway loads, in load order. */
  paths(): string[] {
    return ruleFiles(this.loaded.config.rules.map((r) => resolveFrom(this.loaded.baseDir, r)));
  }

  /** The API's name of a rule file: its path from the config's folder, with `/`. */
  idOf(path: string): string {
    return relative(this.loaded.baseDir, path).split(sep).join('/');
  }

  /** The absolute path of a rule file the config names; a 404 for anything else. */
  resolve(id: string): string {
    const path = this.paths().find((p) => this.idOf(p) === id);
    if (!path) throw new CbmError('CBM_ERR_NOT_FOUND', `no rule file "${id}"; the site's rule files: ${this.paths().map((p) => this.idOf(p)).join(', ') || 'none'}`);
    return path;
  }

  read(id: string): { file: string; path: string; yaml: string; version: string; updatedAt: number } {
    const path = this.resolve(id);
    try {
      const yaml = readFileSync(path, 'utf8');
      return { file: id, path, yaml, version: versionOf(yaml), updatedAt: statSync(path).mtimeMs };
    } catch (e) {
      throw new CbmError('CBM_ERR_NOT_FOUND', `rule file "${id}" cannot be read: ${errorMessage(e)}`);
    }
  }

  /** Versions of a file, newest first; the file on disk first when it is not stored yet. */
  versions(id: string): RuleFileVersion[] {
    const stored = this.list.all(id) as RuleFileVersion[];
    const now = this.read(id);
    if (stored[0]?.version !== now.version) stored.unshift({ version: now.version, at: now.updatedAt, actor: 'file', action: 'file' });
    return stored;
  }

  /** A version's text: a stored one, or the file as it is now. */
  yamlOf(id: string, version: string): string | undefined {
    const now = this.read(id);
    if (now.version === version) return now.yaml;
    return (this.one.get(id, version) as string | undefined) ?? undefined;
  }

  /**
   * Replaces a file's text atomically (a temporary file beside it, fsync, rename: a crash leaves
   * the old or the new file, never a part), after keeping the file as it was when that version is
   * not stored yet. Returns the text it replaced.
   */
  replace(id: string, yaml: string): string {
    const before = this.read(id);
    if (this.newest.get(id) !== before.version) this.ins.run(id, before.version, before.yaml, 'file', 'file', Math.round(before.updatedAt));
    writeAtomic(before.path, yaml);
    return before.yaml;
  }

  /** Puts a file back as it was (a reload of the new text failed); not a version of its own. */
  restore(id: string, yaml: string): void {
    writeAtomic(this.resolve(id), yaml);
  }

  /** Stores a text as the file's newest version (once it loaded). */
  record(id: string, yaml: string, o: { actor: string; action: 'save' | 'rollback' }): string {
    const version = versionOf(yaml);
    this.ins.run(id, version, yaml, o.action, o.actor, this.clock.now());
    return version;
  }
}

/** Writes a file by rename: not named `*.yaml`, so neither the rule watcher nor a folder load picks the temporary file up. */
export function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    let mode: number | undefined;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      mode = undefined;
    }
    const fd = openSync(tmp, 'w', mode ?? 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    // The rename is durable once the folder is: fsync it too (ext4 and others).
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CbmError('CBM_ERR_RULE_WRITE', `cannot write ${path}: ${errorMessage(e)}; the file is as it was`, { cause: e });
  }
}
