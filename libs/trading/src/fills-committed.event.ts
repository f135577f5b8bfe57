/** Announced after a match run's fills have committed; settlement listens and queues their settlement. */
export class FillsCommitted {
  constructor(readonly fillIds: readonly string[]) {}
}
