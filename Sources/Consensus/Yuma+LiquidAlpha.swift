extension Yuma {
    /// The liquid-alpha bond update of Yuma3 (YUMA.md step 11): each entry of a validator's
    /// weight row moves its bond with its own `alpha`, chosen by a sigmoid of how far the
    /// weight sits from consensus (buying) or below the bond (selling).
    ///
    /// Only entries present in the weight row survive (absent ones are dropped, not decayed);
    /// values are capped at 1 and kept when > 0. Both inputs must have sorted rows.
    static func liquidAlphaEma(
        _ weights: SparseMatrix, _ bonds: SparseMatrix, consensus: [Fixed], parameters p: EpochParameters
    ) -> SparseMatrix {
        let sigmoid = AlphaSigmoid(parameters: p)
        let out = SparseMatrix(rows: weights.rowCount, capacity: weights.extent)
        for i in 0..<weights.rowCount {
            var b = bonds.range(i).lowerBound
            let bEnd = bonds.range(i).upperBound
            for k in weights.range(i) {
                let j = weights.columns[k]
                let w = weights.values[k]
                while b < bEnd && bonds.columns[b] < j { b += 1 }
                let bond = b < bEnd && bonds.columns[b] == j ? bonds.values[b] : .zero
                let alpha = sigmoid.alpha(consensus: consensus[j], weight: w, bond: bond)
                let decayed = (Fixed.one - alpha) * bond
                let increase = max(alpha * w, .zero)
                let value = min(decayed + increase, .one)
                if value > .zero { out.append(j, value) }
            }
            out.endRow()
        }
        return out
    }

    /// `alpha = clamp(low + sigmoid · (high − low), low, high)` with the chain's operation order.
    struct AlphaSigmoid {
        let low: Fixed
        let high: Fixed
        /// `steepness / −100`, as the chain divides it (truncating toward zero).
        let slope: Fixed

        init(parameters p: EpochParameters) {
            low = Fixed(u16Proportion: p.alphaLow)
            high = Fixed(u16Proportion: p.alphaHigh)
            slope = Fixed(Int64(p.alphaSigmoidSteepness)) / Fixed(-100)
        }

        func alpha(consensus c: Fixed, weight w: Fixed, bond b: Fixed) -> Fixed {
            let diff = w >= b ? clamp(w - c, .zero, .one) : clamp(b - w, .zero, .one)
            let x = clamp(slope * (diff - Fixed(bits: 1 << 31)), Fixed(-20), Fixed(20))
            // Within ±20 the series never leaves the Q32.32 range.
            let sigmoid = Fixed.one / (Fixed.one + (Fixed.exp(x) ?? .zero))
            return clamp(low + sigmoid * (high - low), low, high)
        }

        /// The chain's `clamp_value`: `min` with the upper bound first, then `max` with the lower.
        func clamp(_ x: Fixed, _ lower: Fixed, _ upper: Fixed) -> Fixed { max(min(x, upper), lower) }
    }
}
