// The promises of settlement and the ledger are checked by the same queries in tests and benchmarks.
export * from '../../bench/support/settlement-invariants';
