// A response body that is already JSON text: a handler returns it when the database wrote the JSON
// (the timeline page), so the transport sends those bytes instead of parsing and re-serialising them.
export class JsonText {
  constructor(readonly text: string) {}
}
