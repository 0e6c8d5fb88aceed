/**
 * Questions on the terminal before the chat screen opens, in the shape loadOrCreateIdentity
 * wants (`prompt`, `askPassphrase`): each resolves to the answer, or null on end of input
 * (Ctrl+D) or Ctrl+C. The passphrase is read without echo.
 */
import { emitKeypressEvents } from 'node:readline';
import type { ScreenInput } from './screen.js';

type Out = NodeJS.WritableStream;

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

function ask(question: string, input: ScreenInput, output: Out, echo: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    let answer = '';
    const raw = input.isTTY === true && typeof input.setRawMode === 'function';
    const wasRaw = input.isRaw === true;
    emitKeypressEvents(input as NodeJS.ReadableStream);
    if (raw) input.setRawMode!(true);
    output.write(question);
    const done = (value: string | null): void => {
      input.off('keypress', onKey);
      input.off('end', onEnd);
      if (raw) input.setRawMode!(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onEnd = (): void => done(answer === '' ? null : answer);
    const onKey = (s: string | undefined, key: Key | undefined): void => {
      const k = key ?? {};
      if ((k.ctrl && k.name === 'c') || (k.ctrl && k.name === 'd' && answer === '')) return done(null);
      if (k.name === 'return' || k.name === 'enter') return done(answer);
      if (k.name === 'backspace') {
        if (answer !== '') {
          const chars = Array.from(answer);
          chars.pop();
          answer = chars.join('');
          if (echo) output.write('\b \b');
        }
        return;
      }
      if (k.name === 'u' && k.ctrl) {
        if (echo) output.write('\b \b'.repeat(Array.from(answer).length));
        answer = '';
        return;
      }
      if (k.ctrl || k.meta || s === undefined || /[\x00-\x1f\x7f-\x9f]/.test(s)) return;
      answer += s;
      if (echo) output.write(s);
    };
    input.on('keypress', onKey);
    input.on('end', onEnd);
    input.resume();
  });
}

/** Asks a question with echo (e.g. the name). */
export function promptLine(question: string, input: ScreenInput = process.stdin, output: Out = process.stderr): Promise<string | null> {
  return ask(question, input, output, true);
}

/** Asks for a secret without echo (the passphrase). */
export function promptSecret(question: string, input: ScreenInput = process.stdin, output: Out = process.stderr): Promise<string | null> {
  return ask(question, input, output, false);
}
