import Foundation
import LuaSandbox
import LuaSandboxTesting
import Tensor
import Testing

/// The Lua `tensor` module, checked against values computed independently (in Double,
/// with plain loops) or by hand.
@Suite("Lua tensor module")
struct TensorLuaTests {
    let sandbox: Sandbox

    init() throws {
        var limits = SandboxLimits.default
        limits.memoryBytes = 64 << 20
        limits.instructions = 50_000_000
        limits.timeoutSeconds = 30
        sandbox = try Sandbox(name: "tensors", limits: limits, libraries: [.tensor])
    }

    func run(_ source: String) throws -> [LuaValue] { try sandbox.execute(source, chunkName: "t.lua") }
    func numbers(_ source: String) throws -> [Double] {
        guard case .array(let items)? = try run(source).first else { return [] }
        return items.map { $0.doubleValue ?? .nan }
    }
    func error(_ source: String) -> SandboxError? { sandboxError { _ = try run(source) } }

    @Test func constructors() throws {
        #expect(try numbers("return tensor.new(3):totable()") == [0, 0, 0])
        #expect(try numbers("return tensor.ones(2):totable()") == [1, 1])
        #expect(try numbers("return tensor.full(2.5, 3):totable()") == [2.5, 2.5, 2.5])
        #expect(try numbers("return tensor.range(1, 5):totable()") == [1, 2, 3, 4, 5])
        #expect(try numbers("return tensor.range(0, 1, 0.25):totable()") == [0, 0.25, 0.5, 0.75, 1])
        #expect(try run("return tensor.zeros(2, 3):shape()") == [2, 3])
        #expect(
            try run("return tensor.from({{1, 2, 3}, {4, 5, 6}}):totable()") == [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])
        #expect(
            try run(
                "return #tensor.zeros(7), tensor.zeros(2, 5):numel(), tensor.istensor(tensor.ones(1)), tensor.istensor({})"
            ) == [7, 10, true, false])
    }

    @Test func randomIsSeededAndReproducible() throws {
        let a = try numbers("return tensor.random(5, 42):totable()")
        let b = try numbers("return tensor.random(5, 42):totable()")
        let c = try numbers("return tensor.random(5, 43):totable()")
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0 >= 0 && $0 < 1 })
        // The Swift type uses the same generator: same numbers for the same seed.
        #expect(a == Tensor.random(5, seed: 42).values.map(Double.init))
        #expect(try run("return tensor.random(2, 3, 7):shape()") == [2, 3])
    }

    @Test func indexingIsOneBased() throws {
        #expect(
            try run("local t = tensor.from({10, 20, 30}) t[2] = 25 return t[1], t[2], t:get(3)") == [10.0, 25.0, 30.0])
        #expect(
            try run("local m = tensor.zeros(2, 2) m:set(2, 1, 7) return m:get(2, 1), m[2]:totable()") == [
                7.0, [7.0, 0.0],
            ])
        #expect(error("return tensor.zeros(3)[4]")?.message == "index 4 out of range (1..3)")
        #expect(error("return tensor.zeros(3)[0]")?.message == "index 0 out of range (1..3)")
        #expect(error("return tensor.zeros(2, 2):get(1, 3)")?.message == "column 3 out of range (1..2)")
    }

    @Test func arithmeticWithTensorsAndScalars() throws {
        #expect(try numbers("return (tensor.from({1, 2, 3}) + tensor.from({10, 20, 30})):totable()") == [11, 22, 33])
        #expect(try numbers("return (tensor.from({1, 2, 3}) * 2 - 1):totable()") == [1, 3, 5])
        #expect(try numbers("return (10 - tensor.from({1, 2})):totable()") == [9, 8])
        #expect(try numbers("return (1 / tensor.from({2, 4})):totable()") == [0.5, 0.25])
        #expect(try numbers("return (-tensor.from({1, -2})):totable()") == [-1, 2])
        #expect(try numbers("return tensor.from({-1, 2}):abs():totable()") == [1, 2])
        #expect(try numbers("return tensor.from({4, 9}):sqrt():totable()") == [2, 3])
        #expect(try numbers("return tensor.from({2, 3}):pow(2):totable()") == [4, 9])
        #expect(try numbers("return tensor.from({-5, 0.5, 5}):clamp(0, 1):totable()") == [0, 0.5, 1])
    }

    @Test func shapeMismatchesNameBothShapes() {
        #expect(error("return tensor.ones(2) + tensor.ones(3)")?.message == "tensor shapes differ: (2) and (3)")
        #expect(
            error("return tensor.ones(2, 3) * tensor.ones(3, 2)")?.message == "tensor shapes differ: (2×3) and (3×2)")
        #expect(
            error("return tensor.ones(2, 3):matmul(tensor.ones(2, 3))")?.message
                == "matmul: shapes (2×3) and (2×3) do not chain (need n×m and m×p)")
        let e = error("local a = tensor.ones(2)\nreturn a:dot(tensor.ones(4))")
        #expect(e?.location == .init(chunk: "t.lua", line: 2))
    }

    @Test func expMatchesTheCLibraryWithinTwoUlps() throws {
        let xs = stride(from: -87.0, through: 88.5, by: 0.37).map { Float($0) }
        let got = Tensor(xs).exp().values
        for (x, y) in zip(xs, got) {
            let want = Float(Foundation.exp(Double(x)))
            #expect(abs(y - want) <= 2 * want.ulp, "exp(\(x)) = \(y), want \(want)")
        }
        #expect(Tensor([100, -100, .nan]).exp().values.map(\.description) == ["inf", "0.0", "nan"])
    }

    @Test func introducedNaNAndInfAreRefused() throws {
        #expect(
            error("return tensor.from({1, 2}) / tensor.from({1, 0})")?.message
                == "division produced inf at index 2 (from 2); the result must stay finite")
        #expect(
            error("return tensor.from({1, -1}):log()")?.message
                == "log produced NaN at index 2 (from -1); the result must stay finite")
        #expect(
            error("return tensor.from({0, 100}):exp()")?.message
                == "exp produced inf at index 2 (from 100); the result must stay finite")
        #expect(
            error("return tensor.from({-4}):sqrt()")?.message
                == "sqrt produced NaN at index 1 (from -4); the result must stay finite")
        // A NaN that was already there is carried, not refused.
        #expect(try run("return tensor.from({0/0, 1}):abs():max() ~= tensor.from({0/0, 1}):abs():max()") == [true])
    }

    @Test func reductions() throws {
        #expect(
            try run(
                "local t = tensor.from({3, -1, 4, 1, 5}) return t:sum(), t:mean(), t:min(), t:max(), t:argmin(), t:argmax()"
            )
                == [12.0, 2.4000000953674316, -1.0, 5.0, 2, 5])
        #expect(
            try run(
                "return tensor.from({3, 4}):norm(), tensor.from({3, -4}):norm(1), tensor.from({3, -4}):norm(math.huge)")
                == [5.0, 7.0, 4.0])
        #expect(
            try run(
                "local m = tensor.from({{1, 2}, {3, 4}, {5, 6}}) return m:sum(1):totable(), m:sum(2):totable(), m:mean(1):totable()"
            )
                == [[9.0, 12.0], [3.0, 7.0, 11.0], [3.0, 4.0]])
        #expect(try run("return tensor.from({{1, 9}, {7, 3}}):argmax()") == [1, 2])
        #expect(try run("return tensor.from({2, 7, 7}):argmax()") == [2])  // first of equal maxima
    }

    @Test func largeSumsMatchADoublePrecisionReference() throws {
        let values = Tensor.random(1_000_003, seed: 9).values
        let reference = values.reduce(0.0) { $0 + Double($1) }
        let sum = try run("return tensor.random(1000003, 9):sum()").first?.doubleValue ?? 0
        #expect(abs(sum - reference) / reference < 1e-6)
    }

    @Test func edgeCases() throws {
        #expect(
            try run("local e = tensor.from({}) return #e, e:sum(), #e:normalize(), #e:softmax(), #e:exp()") == [
                0, 0.0, 0, 0, 0,
            ])
        #expect(error("return tensor.from({}):max()")?.message == "max of an empty tensor")
        #expect(error("return tensor.from({}):mean()")?.message == "mean of an empty tensor")
        #expect(
            try run("local one = tensor.from({5}) return one:sum(), one:softmax()[1], one:normalize()[1], one:argmax()")
                == [5.0, 1.0, 1.0, 1])
        #expect(try run("return tensor.from({1, 0/0, 3}):max() ~= tensor.from({1, 0/0, 3}):max()") == [true])
        #expect(try run("return tensor.full(3e38, 2):sum()") == [.number(.infinity)])
        #expect(
            error("return tensor.from({1, 'x'})")?.message == "tensor.from: element 2 is a string, expected a number")
        #expect(error("return tensor.from({{1, 2}, {3}})")?.message == "tensor.from: row 2 has 1 values, expected 2")
    }

    @Test func normalizeSharesAndRefusesNegativeMass() throws {
        #expect(try numbers("return tensor.from({1, 3}):normalize():totable()") == [0.25, 0.75])
        // All zeros stay zeros: no error, nothing shared.
        #expect(try numbers("return tensor.zeros(3):normalize():totable()") == [0, 0, 0])
        #expect(try run("return tensor.from({{1, 1}, {0, 2}}):normalize():totable()") == [[[0.5, 0.5], [0.0, 1.0]]])
        #expect(
            error("return tensor.from({1, -0.5}):normalize()")?.message
                == "normalize: negative entry -0.5 at index 2; weights must be ≥ 0 (clamp or shift them first)")
        #expect(error("return tensor.from({1, 0/0}):normalize()")?.message == "normalize: NaN at index 2")
    }

    @Test func softmaxMatchesTheDefinition() throws {
        let xs: [Double] = [1, 2, 3, 0.5]
        for temperature in [1.0, 0.5, 4.0] {
            let e = xs.map { Foundation.exp(($0 - 3) / temperature) }
            let want = e.map { $0 / e.reduce(0, +) }
            let got = try numbers("return tensor.from({1, 2, 3, 0.5}):softmax(\(temperature)):totable()")
            for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-6) }
        }
        // Large inputs do not overflow: the maximum is subtracted first.
        #expect(try numbers("return tensor.from({1000, 1000}):softmax():totable()") == [0.5, 0.5])
    }

    @Test func dotCosineAndRowCosine() throws {
        #expect(try run("return tensor.from({1, 2, 3}):dot(tensor.from({4, 5, 6}))") == [32.0])
        #expect(
            try run(
                "return tensor.from({1, 0}):cosine(tensor.from({0, 1})), tensor.from({0, 0}):cosine(tensor.from({1, 1}))"
            ) == [0.0, 0.0])
        let got = try numbers("return tensor.from({{1, 0}, {1, 1}, {-2, 0}}):cosine(tensor.from({1, 0})):totable()")
        let want = [1.0, 1 / 2.0.squareRoot(), -1.0]
        for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-6) }
    }

    @Test func topkArgsortAndRank() throws {
        #expect(
            try run("local v, i = tensor.from({5, 1, 9, 3, 9}):topk(3) return v:totable(), i:totable()")
                == [[9.0, 9.0, 5.0], [3.0, 5.0, 1.0]])
        #expect(try run("local v, i = tensor.from({2, 1}):topk(5) return #v, i:totable()") == [2, [1.0, 2.0]])
        #expect(try numbers("return tensor.from({3, 1, 2, 1}):argsort():totable()") == [2, 4, 3, 1])
        #expect(try numbers("return tensor.from({3, 1, 2, 1}):argsort(true):totable()") == [1, 3, 2, 4])
        #expect(try numbers("return tensor.from({30, 10, 20}):rank():totable()") == [3, 1, 2])
        #expect(try numbers("return tensor.from({30, 10, 20}):rank(true):totable()") == [1, 3, 2])
        #expect(try numbers("return tensor.from({1, 0/0, 0}):argsort():totable()") == [3, 1, 2])
        // Ties share the best rank among them, wherever they stand.
        #expect(try numbers("return tensor.from({5, 9, 5, 1}):rank(true):totable()") == [2, 1, 2, 4])
        #expect(try numbers("return tensor.from({5, 9, 5, 1}):rank():totable()") == [2, 4, 2, 1])
        #expect(try numbers("return tensor.from({7, 7, 7}):rank():totable()") == [1, 1, 1])
    }

    @Test func rowsOfEmbeddings() throws {
        func rounded(_ xs: [Double]) -> [Double] { xs.map { ($0 * 1e6).rounded() / 1e6 } }
        #expect(rounded(try numbers("return tensor.from({3, 4}):unit():totable()")) == [0.6, 0.8])
        #expect(try numbers("return tensor.from({0, 0}):unit():totable()") == [0, 0])
        #expect(rounded(try numbers("return tensor.from({{3, 4}, {0, 2}}):unit():row(1):totable()")) == [0.6, 0.8])
        #expect(try numbers("return tensor.from({{3, 4}, {0, 2}}):unit():row(2):totable()") == [0, 1])
        #expect(
            try numbers(
                "return tensor.from({{1, 0}, {1, 1}, {0, 0}}):cosine_rows(tensor.from({{2, 0}, {-1, -1}, {1, 0}})):totable()"
            )
                == [1, -1, 0])
        #expect(
            error("return tensor.from({{1, 0}}):cosine_rows(tensor.from({{1, 0, 0}}))")?.message.contains(
                "shapes differ") == true)
        #expect(
            error("return tensor.from({1, 0}):cosine_rows(tensor.from({1, 0}))")?.message.contains("must be matrices")
                == true)
        #expect(error("return tensor.from({1, 0/0}):unit()")?.message.contains("NaN or infinite") == true)
    }

    @Test func topkAgreesWithAFullSortOnRandomData() throws {
        let values = Tensor.random(10_000, seed: 5).values
        let want = values.enumerated().sorted {
            $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset
        }
        .prefix(50).map { Double($0.offset + 1) }
        #expect(try numbers("local v, i = tensor.random(10000, 5):topk(50) return i:totable()") == want)
    }

    @Test func comparisonsWhereAndEma() throws {
        #expect(try numbers("return tensor.from({1, 2, 3}):gt(2):totable()") == [0, 0, 1])
        #expect(try numbers("return tensor.from({1, 2, 3}):le(tensor.from({3, 2, 1})):totable()") == [1, 1, 0])
        #expect(try numbers("return tensor.from({1, 2, 3}):eq(2):totable()") == [0, 1, 0])
        #expect(
            try numbers("local t = tensor.from({1, 2, 3}) return tensor.where(t:ge(2), t * 10, -1):totable()") == [
                -1, 20, 30,
            ])
        #expect(try numbers("return tensor.from({1, 1}):ema(tensor.from({0, 2}), 0.25):totable()") == [0.25, 1.75])
        #expect(try numbers("return tensor.from({4, 5}):ema(nil, 0.1):totable()") == [4, 5])
    }

    @Test func matrices() throws {
        #expect(
            try run("local a = tensor.from({{1, 2, 3}, {4, 5, 6}}) return a:matmul(a:t()):totable()") == [
                [[14.0, 32.0], [32.0, 77.0]]
            ])
        #expect(try numbers("return tensor.from({{1, 2}, {3, 4}}):mv(tensor.from({1, -1})):totable()") == [-1, -1])
        #expect(try run("return tensor.from({{1, 2, 3}, {4, 5, 6}}):transpose():shape()") == [3, 2])
        #expect(try numbers("return tensor.from({{1, 2}, {3, 4}}):col(2):totable()") == [2, 4])
        #expect(try numbers("return tensor.from({{1, 2}, {3, 4}}):row(1):totable()") == [1, 2])
    }

    @Test func matmulAgreesWithANaiveProduct() throws {
        let a = Tensor.random(37, 53, seed: 1)
        let b = Tensor.random(53, 29, seed: 2)
        let c = try a.matmul(b)
        for i in 0..<37 {
            for j in 0..<29 {
                var s = 0.0
                for k in 0..<53 { s += Double(a.values[i * 53 + k]) * Double(b.values[k * 29 + j]) }
                #expect(abs(Double(c.values[i * 29 + j]) - s) < 1e-4)
            }
        }
    }

    @Test func tostringIsShortAndReadable() throws {
        #expect(try run("return tostring(tensor.from({1, 2.5, 3}))") == ["tensor(3): [1, 2.5, 3]"])
        #expect(try run("return tostring(tensor.range(1, 100))") == ["tensor(100): [1, 2, 3, …, 98, 99, 100]"])
        #expect(try run("return tostring(tensor.from({{1, 2}, {3, 4}}))") == ["tensor(2×2): [[1, 2], [3, 4]]"])
    }

    @Test func tensorMemoryCountsAgainstTheCap() throws {
        var limits = SandboxLimits.default
        limits.memoryBytes = 8 << 20
        let small = try Sandbox(name: "small", limits: limits, libraries: [.tensor])
        let e = sandboxError {
            try small.execute(
                "local keep = {}\nfor i = 1, 100 do keep[i] = tensor.zeros(100000) end", chunkName: "m.lua")
        }
        #expect(e?.kind == .memory)
        #expect(e?.location == .init(chunk: "m.lua", line: 2))
        #expect(e?.message.hasPrefix("tensor of 100000 elements needs 0.4 MiB, but only") == true)
        #expect(try small.execute("return tensor.ones(10):sum()", chunkName: "after.lua") == [10.0])
        // Garbage is collected before refusing: a tensor that fits after collection is made.
        try small.execute("big = tensor.zeros(1500000)", chunkName: "m.lua")
        #expect(small.memoryUsed >= 6_000_000)
    }

    @Test func tensorWorkIsChargedToTheBudget() throws {
        var limits = SandboxLimits.default
        limits.instructions = 1_000_000
        let budget = try Sandbox(name: "budget", limits: limits, libraries: [.tensor])
        let e = sandboxError {
            try budget.execute("local t = tensor.ones(1000000)\nfor i = 1, 100 do t = t + 1 end", chunkName: "b.lua")
        }
        #expect(e?.kind == .instructions)
        #expect(e?.location == .init(chunk: "b.lua", line: 2))
    }

    @Test func theMetatableIsHidden() throws {
        #expect(try run("return getmetatable(tensor.ones(1))") == [false])
        #expect(
            error("local t = tensor.ones(1) t.x = 1")?.message == "tensors have no fields to set (use t[i] = number)")
    }

    @Test func resultsAreBitIdenticalAcrossRuns() throws {
        let source =
            "local t = tensor.random(100000, 3) return (t:exp() * t):softmax():sum(), t:norm(), t:cosine(t:sqrt())"
        let first = try run(source)
        for _ in 0..<3 { #expect(try run(source) == first) }
    }
}
