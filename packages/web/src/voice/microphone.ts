/** Opening the microphone, and what the browser's refusals mean in words a user can act on. */
import { toShownError, type ShownError } from '../api/api-error';

/** A NotSupportedError where the page has no microphone API (not HTTPS or localhost, or an old browser). */
export function openMicrophone(audio: MediaTrackConstraints): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) return Promise.reject(new DOMException('no microphone API', 'NotSupportedError'));
  return navigator.mediaDevices.getUserMedia({ audio });
}

export function microphoneError(error: unknown): ShownError {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return { code: 'MICROPHONE_DENIED', message: 'The browser did not allow the microphone.', hint: 'Allow the microphone for this site (the icon in the address bar), then try again. Pages not served over HTTPS or localhost cannot use it.' };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return { code: 'MICROPHONE_NOT_FOUND', message: 'No microphone was found.', hint: 'Connect a microphone, or choose one in the system\'s sound settings.' };
  }
  if (name === 'NotReadableError') {
    return { code: 'MICROPHONE_BUSY', message: 'The microphone could not be opened.', hint: 'Another application may be using it; close it and try again.' };
  }
  if (name === 'NotSupportedError') {
    return { code: 'MICROPHONE_UNSUPPORTED', message: 'This browser cannot record audio here.', hint: 'Use a current browser, over HTTPS or on localhost.' };
  }
  return toShownError(error);
}
