import Testing

@testable import Datasets

struct RandomSourceTests {
    @Test func sameCoordinatesGiveTheSameStream() {
        var first = RandomSource(seed: 42, 3, 7)
        var second = RandomSource(seed: 42, 3, 7)
        #expect((0..<8).map { _ in first.next() } == (0..<8).map { _ in second.next() })
    }

    @Test func differentCoordinatesGiveDifferentStreams() {
        var first = RandomSource(seed: 42, 3, 7)
        var second = RandomSource(seed: 42, 3, 8)
        var third = RandomSource(seed: 42, 4, 7)
        let a = first.next()
        #expect(a != second.next())
        #expect(a != third.next())
    }

    @Test func permutationHoldsEveryIndexOnce() {
        var random = RandomSource(seed: 1)
        let order = random.permutation(of: 100)
        #expect(order.sorted() == Array(0..<100))
        #expect(order != Array(0..<100))
    }

    @Test func betaHasTheExpectedMean() {
        var random = RandomSource(seed: 9)
        let draws = (0..<4000).map { _ in random.beta(8, 8) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        // Beta(8, 8) has mean 0.5 and standard deviation 0.121; the mean of 4000 draws is within 0.01.
        #expect(abs(mean - 0.5) < 0.01)
        #expect(draws.allSatisfy { $0 > 0 && $0 < 1 })
    }
}
