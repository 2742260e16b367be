import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app.js';
import { recordingTelemetry } from './recording-telemetry.js';

describe('the login SMS as sent', () => {
  it("texts each number in its country's template, with the app hash and the origin-bound last line", async () => {
    const app = await createTestApp({
      SMS_TEMPLATES: JSON.stringify({ FR: 'Votre code est {code}. Valable {minutes} min.' }),
      ANDROID_APP_HASH: 'FA+9qCX9VSu',
      WEB_OTP_DOMAIN: 'app.example.com',
    });

    expect((await app.sendOtp('+33612345678')).status).toBe(200);
    expect((await app.sendOtp('+919876543210')).status).toBe(200);

    const [fr, inMessage] = app.sms.sent;
    expect(fr?.message).toBe(`Votre code est ${fr?.code}. Valable 5 min.\nFA+9qCX9VSu\n@app.example.com #${fr?.code}`);
    expect(inMessage?.message).toBe(
      `Your code is ${inMessage?.code}. It expires in 5 minutes.\nFA+9qCX9VSu\n@app.example.com #${inMessage?.code}`,
    );
    expect(fr?.code).toMatch(/^\d{6}$/);
  });

  it("logs each template's segments once at start, and warns about a template that costs two, naming it", async () => {
    const recording = recordingTelemetry();
    const long = `Votre code de connexion est {code}. ${'Ne le communiquez à personne. '.repeat(5)}`;
    await createTestApp({ SMS_TEMPLATES: JSON.stringify({ FR: long }) }, { telemetry: recording.telemetry });

    const templateLines = recording.lines.filter((line) => line.message.startsWith('SMS template'));
    expect(templateLines).toEqual([
      {
        level: 'info',
        message: 'SMS template SMS_TEMPLATE costs 1 segment per message',
        attributes: { template: 'SMS_TEMPLATE', encoding: 'GSM-7', units: 45, bytes: 40, segments: 1 },
      },
      {
        level: 'warn',
        message: 'SMS template SMS_TEMPLATES.FR costs 2 segments per message',
        attributes: { template: 'SMS_TEMPLATES.FR', encoding: 'GSM-7', units: 186, bytes: 163, segments: 2 },
      },
      // verify-phone-number's: the notice a completed number change sends the old number.
      {
        level: 'info',
        message: 'SMS template SMS_NUMBER_CHANGED_TEMPLATE costs 1 segment per message',
        attributes: { template: 'SMS_NUMBER_CHANGED_TEMPLATE', encoding: 'GSM-7', units: 101, bytes: 89, segments: 1 },
      },
    ]);
  });

  it('warns about a number-change notice of two segments, naming its country', async () => {
    const recording = recordingTelemetry();
    const long = `Le numéro de votre compte a été changé. ${'Contactez-nous si ce n’était pas vous. '.repeat(2)}`;
    await createTestApp(
      { SMS_NUMBER_CHANGED_TEMPLATES: JSON.stringify({ FR: long }) },
      { telemetry: recording.telemetry },
    );

    expect(recording.lines).toContainEqual({
      level: 'warn',
      message: 'SMS template SMS_NUMBER_CHANGED_TEMPLATES.FR costs 2 segments per message',
      attributes: expect.objectContaining({ template: 'SMS_NUMBER_CHANGED_TEMPLATES.FR', encoding: 'UCS-2' }),
    });
  });
});
