// @vitest-environment happy-dom
/**
 * The Voice panel: explains when the microphone is used before anything is recorded;
 * listening cannot be turned on until every word has its three takes; a browser
 * without a microphone says so; the desktop settings validate the voice window.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connected } from '../../renderer/src/app';
import { FakeApi } from '../helpers/fake-api';
import { VoicePanel } from '../../renderer/src/components/voice-panel';
import type { VoiceController, VoiceState } from '../../renderer/src/voice/voice-controller';
import { COMMANDS } from '../../shared/voice/recognizer';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

describe('voice panel', () => {
  it('explains first, needs every word enrolled before it can be switched on, and reports a missing microphone', async () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} desktop />);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Voice' })));
    const panel = screen.getByTestId('voice-panel');
    expect(panel.textContent).toContain('The microphone is open only for those few seconds');
    expect(panel.textContent).toContain('no audio is sent anywhere');
    expect(within(panel).getByTestId('takes-acknowledge').textContent).toContain('0 of 3');
    expect((within(panel).getByLabelText(/Listen for commands after announcements/) as HTMLInputElement).disabled).toBe(true);
    expect(panel.textContent).toContain('Record every word first.');
    expect((within(panel).getByRole('button', { name: 'Try it' }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => void fireEvent.click(within(panel).getByRole('button', { name: 'Record “cancel”' })));
    // The cue plays first; the microphone is asked for after it.
    expect((await within(panel).findByRole('alert')).textContent).toBe('this browser gives no access to a microphone');
    expect(screen.queryByTestId('listening')).toBeNull();
  });

  it('names the words the model does not recognise in your takes', () => {
    const state: VoiceState = { enabled: false, enrolled: [...COMMANDS], takes: Object.fromEntries(COMMANDS.map((c) => [c, 3])) as VoiceState['takes'], listening: null, heard: null, heardDetail: null, microphone: 'granted', model: 'ready', takesAlone: ['resolve', 'cancel'], takeProblems: [], sensitivity: 'normal', error: null };
    const panel = (s: VoiceState) => render(<VoicePanel controller={{} as VoiceController} state={s} onEnable={() => undefined} onClose={() => undefined} />);
    panel(state);
    expect(screen.getByTestId('voice-takes-alone').textContent).toMatch(/does not recognise your takes of “resolve”, “cancel”, so your takes alone decide them/);
    cleanup();
    panel({ ...state, takesAlone: [] });
    expect(screen.queryByTestId('voice-takes-alone')).toBeNull();
    expect(screen.queryByTestId('voice-take-problems')).toBeNull();
  });

  it('asks for a take to be recorded again when it is the wrong word or unlike the others', () => {
    const state: VoiceState = {
      enabled: false,
      enrolled: [...COMMANDS],
      takes: Object.fromEntries(COMMANDS.map((c) => [c, 3])) as VoiceState['takes'],
      listening: null,
      heard: null,
      heardDetail: null,
      microphone: 'granted',
      model: 'ready',
      takesAlone: [],
      takeProblems: [
        { command: 'repeat', take: 1, problem: 'like-other', other: 'resolve' },
        { command: 'cancel', take: 2, problem: 'unlike-others', ratio: 6.1 },
        { command: 'snooze', take: 0, problem: 'noisy', snrDb: 18.4 },
      ],
      sensitivity: 'normal',
      error: null,
    };
    const setSensitivity = vi.fn();
    render(<VoicePanel controller={{ setSensitivity } as unknown as VoiceController} state={state} onEnable={() => undefined} onClose={() => undefined} />);
    const items = within(screen.getByTestId('voice-take-problems')).getAllByRole('status').map((li) => li.textContent);
    expect(items).toEqual([
      '“repeat”, take 2: sounds more like your “resolve” — “Record again” to replace this word\'s takes.',
      '“cancel”, take 3: does not sound like your other takes — “Record again” to replace this word\'s takes.',
      '“snooze”, take 1: the room was loud — your voice only 18 dB above it — “Record again” to replace this word\'s takes, somewhere quieter.',
    ]);
    // How sure before acting: the choice shown, and changed through the controller.
    const sure = screen.getByTestId('voice-sensitivity');
    expect((within(sure).getByLabelText('Balanced') as HTMLInputElement).checked).toBe(true);
    expect(sure.textContent).toContain('About 1 in 100 other words taken for a command at most');
    fireEvent.click(within(sure).getByLabelText('Readier'));
    expect(setSensitivity).toHaveBeenCalledWith('lenient');
  });

  it('the desktop settings validate the listening window', async () => {
    const fake = new FakeApi();
    render(<Connected api={fake.api} desktop />);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Settings' })));
    const panel = screen.getByTestId('settings');
    fireEvent.change(within(panel).getByLabelText(/Listening window after an announcement/), { target: { value: '1' } });
    await act(async () => void fireEvent.click(within(panel).getByRole('button', { name: 'Save' })));
    expect(within(panel).getByRole('alert').textContent).toMatch(/voiceWindowSeconds/);
    expect(fake.api.setSettings).not.toHaveBeenCalled();
    fireEvent.change(within(panel).getByLabelText(/Listening window after an announcement/), { target: { value: '8' } });
    await act(async () => void fireEvent.click(within(panel).getByRole('button', { name: 'Save' })));
    expect(fake.api.setSettings).toHaveBeenCalledWith(expect.objectContaining({ voiceWindowSeconds: 8, voiceShortcut: 'CommandOrControl+Shift+V' }));
  });
});
