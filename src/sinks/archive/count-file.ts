// Counts what a closed spool file holds (records of a JSON Lines archive, frames of a pcap), for files whose count
// this process does not know: they were rotated by an earlier run. Used only before a file is deleted unsent.

import { open } from 'node:fs/promises';
import type { ArchiveKind } from '../../record/archive-name.ts';
import { FileWindow } from './file-window.ts';
import { walkGzip } from '../../record/gzip-walk.ts';
import { scanPcap } from './pcap-format.ts';

export async function countItems(path: string, kind: ArchiveKind): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const win = new FileWindow(fh, (await fh.stat()).size);
    if (kind === 'pcap') return (await scanPcap(win)).frames;
    let lines = 0;
    await walkGzip(win, (p) => {
      if (p.kind === 'damage') return;
      for (let i = p.data.indexOf(0x0a); i !== -1; i = p.data.indexOf(0x0a, i + 1)) lines++;
    });
    return lines;
  } finally {
    await fh.close();
  }
}
