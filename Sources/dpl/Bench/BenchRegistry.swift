/// Every benchmark `dpl bench` knows, in the order they run. Add a benchmark by appending
/// its list here.
let allBenchmarks: [Benchmark] =
  GemmBench.all
  + ConvBench.all
  + BatchNormBench.all
  + UNetBench.all
  + InterpreterBench.all
  + ScalarBench.all
  + DPBench.all
  + CheckBench.all
  + LSPBench.all
  + ReplBench.all
