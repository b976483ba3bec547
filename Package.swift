// swift-tools-version:6.0
import PackageDescription

// -Ounchecked only for Tensor, the kernels' target, whose hot loops over raw buffers have
// their bounds checked by the callers: it drops the per-element overflow traps there (the
// integer kernels report overflow explicitly, which it keeps) and turns `precondition`s into
// assumptions. Everything else — the interpreter, the tape, file formats, the registry's
// start-up check, and the AVX-512 kernels, where it measured no difference — builds with
// plain -O, so an overflow or a failed precondition stops there instead of running on.
// Measured in BENCHMARKS.md ("-Ounchecked: which targets keep it").
let unchecked: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

// The interpreter's compiled steps read and write its state (call depth, the value stack, the
// `return` register) millions of times a second; Swift's run-time exclusivity checks on those
// class properties cost more than the work itself (docs/runtime.md, "Execution"). The
// compile-time checks stay.
let noDynamicExclusivity: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// KernelsAVX512 holds kernels compiled for AVX-512 cores; Tensor calls them only after checking
// the CPU, so the rest of the binary still runs on any x86-64 (or other) machine.
#if arch(x86_64)
let avx512: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
let avx512: [SwiftSetting] = []
#endif

let package = Package(
  name: "dpl",
  platforms: [.macOS(.v13)],
  products: [.executable(name: "dpl", targets: ["dpl"])],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "KernelsAVX512", exclude: ["README.md"], swiftSettings: avx512),
    .target(name: "Tensor", dependencies: ["CBLAS", "KernelsAVX512"], exclude: ["README.md", "Contour/README.md"], swiftSettings: unchecked),
    .target(name: "Autodiff", dependencies: ["Tensor"], exclude: ["README.md"]),
    .target(name: "Language", exclude: ["README.md"]),
    .target(name: "IR", dependencies: ["Language"], exclude: ["README.md"]),
    .target(name: "LSP", dependencies: ["Language", "IR"], exclude: ["README.md"]),
    // File formats (PNG, NPY, safetensors, CSV, gzip) and atomic writes.
    .target(name: "Formats", dependencies: ["Tensor", "CZlib"], exclude: ["README.md"]),
    // The cardiac-MRI data sets behind `import cardiac`: ACDC (NIfTI) and the synthetic one.
    .target(name: "Datasets", dependencies: ["Formats", "Tensor"], exclude: ["README.md"]),
    // What a run leaves in its folder: metrics, plots, overlays, checkpoints; the progress bar.
    .target(name: "RunOutput", dependencies: ["Formats", "Language", "Tensor"], exclude: ["README.md"]),
    // The executor: runs lowered programs on the tape; the builtins' implementations.
    .target(name: "Runtime", dependencies: ["IR", "Autodiff", "Tensor", "Formats", "Datasets", "RunOutput"],
            exclude: ["README.md"], swiftSettings: noDynamicExclusivity),
    // Sessions: inputs compiled and run one at a time (`dpl repl`, the Jupyter kernel).
    .target(name: "Interactive", dependencies: ["Runtime", "Formats"], exclude: ["README.md"]),
    // The program and input fuzzers: used by `dpl fuzz` and the test suite, not by the language.
    .target(name: "Fuzz", dependencies: ["Runtime", "Interactive", "IR", "Language", "Autodiff", "Tensor", "Formats", "Datasets"], exclude: ["README.md"]),
    // The Jupyter kernel's Python file is embedded, so `dpl kernel install` writes it anywhere.
    .executableTarget(name: "dpl", dependencies: [
      "Runtime", "Interactive", "RunOutput", "Formats", "Fuzz", "LSP", "CReadline", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], exclude: ["README.md"], resources: [.embedInCode("Jupyter/dpl_kernel.py")],
    linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xclang-linker", "-no-pie", "-L\(Context.packageDirectory)/link",
                                   "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/link/order.txt",
                                   "-Xlinker", "--no-warn-symbol-ordering"], .when(platforms: [.linux], configuration: .release))]),
    .testTarget(name: "TensorTests", dependencies: ["Tensor", "Autodiff"]),  // Autodiff: the finite-difference engine
    .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"]),
    .testTarget(name: "LanguageTests", dependencies: ["Language", "IR"], exclude: ["Fixtures"]),
    .testTarget(name: "IRTests", dependencies: ["IR", "Fuzz"], exclude: ["Fixtures"]),
    .testTarget(name: "LSPTests", dependencies: ["LSP", "Language", "Fuzz"]),
    .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Interactive", "Formats", "Datasets", "RunOutput", "Fuzz"], exclude: ["Fixtures", "Programs"]),
  ],
  swiftLanguageModes: [.v6]
)

// The release executable carries the Swift runtime and Foundation inside it. Linked to their
// shared libraries, dpl faulted in 30 MB of their pages at start (symbol tables, relocations,
// ICU), more than a whole CPython process; linked statically, only what dpl uses is loaded
// (BENCHMARKS.md, "Interpreter on scalar code": peak memory). Every module is compiled for it, so
// the linker sees what the static libraries need; lld, because gold repeats a glibc link warning
// from inside the static Foundation. OpenBLAS, readline and zlib stay shared libraries. Debug
// builds (the tests) link dynamically, as XCTest does. Each function gets a section of its own,
// so lld can put the ones a run executes side by side (link/order.txt, written by
// scripts/link-order.py): scattered over 19 MB of text, they made the kernel map most of it.
// link/libstdc++.so, a linker script, makes `-lstdc++` the static library.
for target in package.targets where target.type != .system && target.type != .test {
  target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-static-stdlib", "-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release))]
}
