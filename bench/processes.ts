import { type ChildProcess, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion with a hard time limit, keeping only the output's tail. Every child is
 * tracked, so an interrupted benchmark can kill exactly the processes it started.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-64_000);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-16_000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      fail(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Kills the children still running (an interrupted run); each by its own handle, never by name. */
export function killLiveProcesses(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
