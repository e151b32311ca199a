/**
 * The microphone as a stream of PCM16 16 kHz frames for the hands-free socket: getUserMedia
 * with echo cancellation (barge-in needs it), an AudioContext and a ScriptProcessor that
 * downsamples each buffer. ScriptProcessor rather than an AudioWorklet: no module file to
 * serve, and ~85 ms per buffer is the protocol's frame size anyway.
 */
import { audioContextClass } from './audio-player';
import { openMicrophone } from './microphone';
import { createDownsampler } from './pcm-downsampler';

export interface MicrophoneStream {
  close(): void;
}

const BUFFER_SIZE = 4096;

export async function openMicrophoneStream(onFrame: (pcm: ArrayBuffer) => void): Promise<MicrophoneStream> {
  const AudioContextClass = audioContextClass();
  const stream = await openMicrophone({ echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 });
  const context = new AudioContextClass();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(BUFFER_SIZE, 1, 1);
  // A processor only runs when connected; through a silent gain nothing is heard.
  const mute = context.createGain();
  mute.gain.value = 0;
  const downsample = createDownsampler(context.sampleRate);
  processor.onaudioprocess = (event) => {
    const pcm = downsample(event.inputBuffer.getChannelData(0));
    if (pcm.length > 0) onFrame(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer);
  };
  source.connect(processor);
  processor.connect(mute);
  mute.connect(context.destination);
  return {
    close() {
      processor.onaudioprocess = null;
      source.disconnect();
      processor.disconnect();
      mute.disconnect();
      for (const track of stream.getTracks()) track.stop();
      void context.close();
    },
  };
}
