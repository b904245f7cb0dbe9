import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// The step every new version runs before it may replace the old one.
@Suite("SubnetPlugin: self-check on simulated miners")
struct SubnetPluginSelfCheckTests {
    func plugin(_ body: String) async throws(PluginError) -> PluginHost {
        try await PluginHost.load(
            source: Array(
                """
                return subnet { name = "s",
                  task = function(ctx) return { n = ctx.shared_random:int(1, 9) } end,
                  \(body) }
                """.utf8), chunkName: "plugins/s.lua", netuid: 1)
    }

    func failure(_ body: String) async -> PluginError? {
        do {
            _ = try await plugin(body).selfCheck()
            return nil
        } catch {
            return error
        }
    }

    static let honestScoring = """
        miner = function(task) return { n = task.n } end,
        validate = function(r) return type(r) == "table" end,
        score = function(task, responses)
          local s = {}
          for i = 1, #responses do s[i] = (responses[i] and responses[i].n == task.n) and 1 or 0 end
          return s
        end,
        """

    @Test func theBundledPluginRewardsHonestAnswers() async throws {
        let path = SubnetPluginTests.root.appendingPathComponent("plugins/echo-sum.lua").path
        let report = try await PluginHost.load(path: path).selfCheck()
        #expect(report.groups.map(\.label) == ["honest", "offline", "garbage"])
        #expect(report.groups.map(\.count) == [4, 2, 1])
        #expect(report.groups.map(\.weight) == [0.25, 0, 0])
        #expect(report.groups[0].score == 1)
    }

    @Test func rewardingSilenceFails() async {
        let error = await failure(
            """
            miner = function(task) return { n = task.n } end,
            score = function(task, responses)
              local s = {}
              for i = 1, #responses do s[i] = responses[i] and 0 or 1 end
              return s
            end,
            reward = function(scores) return scores:normalize() end,
            """)
        #expect(error?.location == "plugins/s.lua:9")
        #expect(error?.message.hasPrefix("an offline miner earns more (weight 0.5) than an honest one (0.0)") == true)
    }

    @Test func weightsMustSumToOne() async {
        let error = await failure(Self.honestScoring + "reward = function(scores) return scores end,")
        #expect(error?.message == "'reward' weights sum to 4.0; they must sum to 1 (or all be 0)")
        #expect(await failure(Self.honestScoring + "reward = function(scores) return scores * 0 end,") == nil)
    }

    @Test func aValidatorThatRejectsTheReferenceAnswerFails() async {
        let error = await failure(
            Self.honestScoring.replacingOccurrences(of: "type(r) == \"table\"", with: "false")
                + "reward = function(scores) return scores:normalize() end,")
        #expect(error?.message.hasPrefix("'validate' rejects the reference miner's answer {\"n\":") == true)
    }

    @Test func withoutAMinerOnlySilentMinersAreSimulated() async throws {
        let report = try await plugin(
            "score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end,"
        ).selfCheck()
        #expect(report.groups.map(\.label) == ["offline"])
        #expect(report.groups[0].count == 2)
    }
}

/// The self-check plays an attacker too: answers made from the reference answer.
@Suite("SubnetPlugin: self-check with adversarial answers")
struct AdversarialSelfCheckTests {
    func failure(_ body: String) async -> PluginError? {
        let source = """
            return subnet { name = "a",
              task = function(ctx) return { n = ctx.shared_random:int(1, 9) } end,
              miner = function(task) return { n = task.n } end,
              \(body) }
            """
        do {
            _ = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/a.lua", netuid: 1).selfCheck()
            return nil
        } catch {
            return error
        }
    }

    static let reward = "reward = function(s) return s:normalize() end,"

    @Test func scoreMustSurviveEveryAnswerValidateAccepts() async {
        // Integer division by the answer: an all-zero answer passes validate and breaks score.
        let error = await failure(
            """
            validate = function(r) return type(r) == "table" and math.type(r.n) == "integer" end,
            score = function(task, responses)
              local s = {}
              for i = 1, #responses do s[i] = responses[i] and (task.n // responses[i].n == 1 and 1 or 0) or 0 end
              return s
            end,
            """ + Self.reward)
        #expect(
            error?.message.hasPrefix("'score' fails on an all-zero answer {\"n\":0}, which 'validate' accepts") == true)
        // The same scoring behind a validate that rejects zeros passes.
        #expect(
            await failure(
                """
                validate = function(r) return type(r) == "table" and math.type(r.n) == "integer" and r.n > 0 end,
                score = function(task, responses)
                  local s = {}
                  for i = 1, #responses do s[i] = responses[i] and (task.n // responses[i].n == 1 and 1 or 0) or 0 end
                  return s
                end,
                """ + Self.reward) == nil)
    }

    @Test func validateMustRejectRatherThanFail() async {
        let error = await failure(
            """
            validate = function(r) return r.n > 0 end,
            score = function(task, responses)
              local s = {}
              for i = 1, #responses do s[i] = responses[i] and 1 or 0 end
              return s
            end,
            """ + Self.reward)
        #expect(
            error?.message.contains("'validate' fails on") == true
                && error?.message.contains("instead of rejecting it") == true)
    }

    @Test func anIncentiveThatPaysSilenceLikeWorkIsRefused() async {
        let error = await failure(
            "score = function(task, responses) return tensor.ones(#responses) end," + Self.reward)
        #expect(error?.message.hasPrefix("an offline miner earns as much") == true, "\(String(describing: error))")
    }
}
