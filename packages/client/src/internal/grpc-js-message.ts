// grpc-js builds the message of a failed connection as "No connection established. Last error: …
// Resolution note: …", and the note is nearly always empty. That tail is noise for whoever reads
// the error (the CLI prints it as is), so it is dropped here, where the client makes its errors.

const EMPTY_RESOLUTION_NOTE = /\.? Resolution note: ?$/;

/** The status message without grpc-js's empty "Resolution note:" tail; a note with content stays. */
export function tidyStatusMessage(message: string): string {
  return message.replace(EMPTY_RESOLUTION_NOTE, "");
}
