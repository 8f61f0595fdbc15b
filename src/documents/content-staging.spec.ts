import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discardStaged, removeStaleParts, stageContent } from './content-staging';

describe('stageContent', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'staging-spec-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the stream to a file and reports its sha256 and size', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('document'), Buffer.alloc(100_000, 7)];
    const staged = await stageContent(Readable.from(parts), directory);
    const all = Buffer.concat(parts);
    expect(staged.sha256).toBe(createHash('sha256').update(all).digest('hex'));
    expect(staged.sizeBytes).toBe(all.length);
    expect(readFileSync(staged.path).equals(all)).toBe(true);
    await discardStaged(staged);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('removes the partial file when the download breaks off', async () => {
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 1));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(stageContent(broken, directory)).rejects.toThrow('connection reset');
    expect(readdirSync(directory)).toEqual([]);
  });

  it('stages an empty body', async () => {
    const staged = await stageContent(Readable.from([]), directory);
    expect(staged).toMatchObject({ sizeBytes: 0, sha256: createHash('sha256').digest('hex') });
  });
});

describe('removeStaleParts', () => {
  it('removes only old .part files', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'staging-spec-'));
    try {
      for (const name of ['old.part', 'new.part', 'keep.txt']) writeFileSync(path.join(directory, name), 'x');
      const past = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(path.join(directory, 'old.part'), past, past);
      utimesSync(path.join(directory, 'keep.txt'), past, past);
      expect(await removeStaleParts(directory, 3_600_000)).toBe(1);
      expect(readdirSync(directory).sort()).toEqual(['keep.txt', 'new.part']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
