/** A method result that is already serialized (large lists built from cached pieces): sent as is. */
export class RawJson {
  constructor(readonly json: string) {}
}
