import Foundation
import Tensor
import Testing

@Suite("Swift Tensor")
struct TensorTests {
    @Test func shapesAndConstruction() throws {
        let m = try Tensor(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m.shape == [2, 3])
        #expect(m.transposed().values == [1, 4, 2, 5, 3, 6])
        #expect(throws: TensorError("a 2×2 matrix needs 4 values, got 3")) {
            try Tensor(rows: 2, columns: 2, values: [1, 2, 3])
        }
        #expect(Tensor.zeros(3).values == [0, 0, 0])
        #expect(Tensor.full(2, 2, 2).values == [2, 2, 2, 2])
    }

    @Test func elementwiseAndReductions() throws {
        let a = Tensor([1, 2, 3, 4])
        #expect(try a.adding(Tensor([1, 1, 1, 1])).values == [2, 3, 4, 5])
        #expect((a * 2 + 1).values == [3, 5, 7, 9])
        #expect((-a).abs().values == a.values)
        #expect(a.sum() == 10)
        #expect(a.mean() == 2.5)
        #expect(a.max() == 4 && a.min() == 1)
        #expect(try a.dot(a) == 30)
        #expect(throws: TensorError("tensor shapes differ: (4) and (2)")) { try a.adding(Tensor([1, 2])) }
    }

    @Test func sumIsIndependentOfTheVectorWidthAndAccurate() {
        // 16 lanes x blocks of 1024, block sums in double: compare with a Double reference.
        for n in [0, 1, 15, 16, 17, 1023, 1024, 1025, 100_000] {
            let t = Tensor.random(n, seed: UInt64(n))
            let reference = t.values.reduce(0.0) { $0 + Double($1) }
            #expect(abs(Double(t.sum()) - reference) <= max(1e-6 * reference, 1e-6))
        }
    }

    @Test func scoringHelpers() throws {
        #expect(try Tensor([1, 3]).normalize().values == [0.25, 0.75])
        #expect(try Tensor([0, 0]).normalize().values == [0, 0])
        #expect(throws: TensorError("normalize: entry -1.0 at index 1 is not a share (must be ≥ 0)")) {
            try Tensor([-1, 1]).normalize()
        }
        let s = try Tensor([1, 2, 3]).softmax()
        #expect(abs(s.sum() - 1) < 1e-6)
        #expect(try Tensor(rows: 2, columns: 2, values: [1, 0, 0, 1]).cosine(Tensor([1, 0])).values == [1, 0])
        #expect(Tensor([5, 1, 9, 3]).topk(2).indices == [2, 0])
        #expect(Tensor([3, 1, 2]).argsort() == [1, 2, 0])
    }

    @Test func matmulThroughBLAS() throws {
        let a = try Tensor(rows: 2, columns: 2, values: [1, 2, 3, 4])
        #expect(try a.matmul(a).values == [7, 10, 15, 22])
        #expect(throws: TensorError.self) { try a.matmul(Tensor([1, 2])) }
    }
}
