import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * The TCP sockets a process tree listens on, read from /proc. Linux only: /proc/net/tcp{,6} and
 * /proc/<pid>/fd are where Linux keeps them, and no portable API lists another process's sockets.
 */
export interface ListeningSocket {
  readonly pid: number;
  /** `127.0.0.1`, `0.0.0.0`, `::1`, `::`, `::ffff:127.0.0.1`, ... */
  readonly address: string;
  readonly port: number;
}

const LISTEN_STATE = '0A';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether only this machine can connect to the address (an IPv4-mapped 127.0.0.1 included). */
export function isLoopback(address: string): boolean {
  return LOOPBACK.has(address);
}

/** Every TCP socket in LISTEN state held by `rootPid` or any of its descendants. */
export async function listeningSockets(rootPid: number): Promise<ListeningSocket[]> {
  const pids = await processTree(rootPid);
  const listeners = new Map<string, { address: string; port: number }>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const [inode, socket] of await listenersIn(table)) listeners.set(inode, socket);
  }
  const found: ListeningSocket[] = [];
  for (const pid of pids) {
    for (const inode of await socketInodes(pid)) {
      const socket = listeners.get(inode);
      if (socket) found.push({ pid, ...socket });
    }
  }
  return found;
}

async function processTree(rootPid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    // The command name in parentheses may itself hold spaces or parentheses; fields resume after the last ')'.
    const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] as number) ?? []));
  return tree;
}

async function socketInodes(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const inodes: string[] = [];
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.push(inode);
  }
  return inodes;
}

async function listenersIn(table: string): Promise<Map<string, { address: string; port: number }>> {
  const text = await readFile(table, 'utf8').catch(() => '');
  const listeners = new Map<string, { address: string; port: number }>();
  for (const line of text.trim().split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    const [hexAddress, hexPort] = (fields[1] ?? '').split(':');
    if (fields[3] !== LISTEN_STATE || !hexAddress || !hexPort || !fields[9]) continue;
    listeners.set(fields[9], { address: decodeAddress(hexAddress), port: Number.parseInt(hexPort, 16) });
  }
  return listeners;
}

/** The kernel prints each 32-bit word of the address in host byte order (little-endian here). */
function decodeAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let byte = 6; byte >= 0; byte -= 2) bytes.push(Number.parseInt(chunk.slice(byte, byte + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  // new URL normalises to the compressed form (`::`, `::1`, `fe80::...`).
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}
