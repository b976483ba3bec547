import Foundation
import Testing
import Tensor
@testable import Runtime
@testable import Interactive
@testable import Formats

/// Tensors as pictures (`ValueDisplay.image`), and the values the engine lists for front
/// ends that draw them (the Jupyter kernel).
@Suite struct ReplImageTests {
  @Test func aMatrixIsAHeatmapWithAColourBar() throws {
    let t = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
    let image = try #require(ValueDisplay.image(.tensor(t)))
    let cell = ValueDisplay.imageSide / 3
    #expect(image.height == 2 * cell)
    #expect(image.width > 3 * cell + 12, "the colour bar and its labels are right of the cells")
    #expect(image.get(0, 0) == ValueDisplay.viridis(0), "the smallest value is the darkest")
    #expect(image.get(2 * cell + 1, cell + 1) == ValueDisplay.viridis(1), "the largest is the brightest")
    #expect(try decodePNG(try PNG.encode(image)) == image)
  }

  @Test func notFiniteCellsAreRed() throws {
    let t = try Tensor(shape: [2, 2], scalars: [0, .nan, 1, 2])
    let image = try #require(ValueDisplay.image(.tensor(t)))
    let cell = ValueDisplay.imageSide / 2
    #expect(image.get(cell + 1, 0) == RGB.red)
    #expect(image.get(0, 0) == ValueDisplay.viridis(0))
  }

  @Test func onlyMapsAndStacksOfMapsArePictures() throws {
    #expect(ValueDisplay.image(.tensor(try Tensor(shape: [4], scalars: [1, 2, 3, 4]))) == nil)
    #expect(ValueDisplay.image(.tensor(try Tensor(shape: [1, 1], scalars: [1]))) == nil)
    #expect(ValueDisplay.image(.float(2)) == nil)
    let labels = try IntTensor(shape: [3, 3], scalars: [0, 1, 2, 3, 0, 1, 2, 3, 0])
    #expect(ValueDisplay.image(.intTensor(labels, nil)) != nil)
    let one = try #require(ValueDisplay.image(.tensor(try Tensor(shape: [4, 4], scalars: (0..<16).map(Float.init)))))
    let stack = try #require(ValueDisplay.image(.tensor(try Tensor(shape: [6, 4, 4], scalars: (0..<96).map(Float.init)))))
    #expect(stack.width > 4 * one.width, "the first \(ValueDisplay.maxSlices) slices side by side")
    #expect(stack.width < 5 * one.width + 5 * 8)
  }

  @Test func largeMapsAreAveragedAndThinOnesStretched() throws {
    let big = try #require(ValueDisplay.image(.tensor(Tensor(shape: [1000, 20], generator: { Float($0 % 7) }))))
    #expect(big.height == ValueDisplay.maxImageSide)
    let strip = try #require(ValueDisplay.image(.tensor(Tensor(shape: [2, 300], generator: { Float($0) }))))
    #expect(strip.height >= ValueDisplay.minImageSide)
  }

  @Test func theEngineListsWhatItShowed() {
    let engine = ReplEngine(session: Session())
    engine.textHeatmaps = false
    let text = engine.handle("let x = randn([3, 3], seed: 1)\nx")
    #expect(engine.shown.count == 1)
    #expect(text.hasPrefix("Tensor[3, 3] float32") && !text.contains("│"), "no shade heatmap: \(text)")
    _ = engine.handle(":grad sum(x * x) wrt x")
    #expect(engine.shown.count == 1, "the gradient")
    _ = engine.handle("let y = 2")
    #expect(engine.shown.isEmpty)
    engine.textHeatmaps = true
    #expect(engine.handle("x").contains("│"))
  }
}
