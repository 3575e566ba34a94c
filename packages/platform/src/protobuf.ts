// Encoding a protobuf message on a hot path. A generated `encode()` starts a new BinaryWriter each time, whose
// buffer starts at 128 bytes and is copied into twice the size until the message fits: a charge's response and two
// events (each wrapped in an envelope) took ~10 such allocations, off the JavaScript heap, besides the copy that
// finish() returns. One writer per process is reused here, so its buffer grows once; each message still comes back
// as its own copy. Encoding is synchronous, so no two messages share the writer at once.
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** A generated message type, as far as encoding goes. */
export interface MessageEncoder<Message> {
  encode(message: Message, writer?: BinaryWriter): BinaryWriter;
}

const writer = new BinaryWriter();

export function encodeMessage<Message>(codec: MessageEncoder<Message>, message: Message): Uint8Array {
  try {
    return codec.encode(message, writer).finish();
  } catch (error) {
    writer.finish(); // an int64 out of range throws halfway: start the next message from an empty writer
    throw error;
  }
}
