//! The statistics of the comparison tables, as plain functions of counts, each pinned to the
//! reference implementation researchers cite (see the tests and the README).

/// Dunning's log-likelihood G² for a 2×2 table, without continuity correction, signed `+`
/// when the first row is over-represented in the target (`a / (a + c) > b / (b + d)`).
///
/// `a` = count in the target, `b` = count in the reference, `c` = other tokens of the target,
/// `d` = other tokens of the reference. A zero cell contributes 0. This is quanteda's
/// `textstat_keyness(measure = "lr", correction = "none")`.
pub fn g2(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let n = (a + b + c + d) as f64;
    if n == 0.0 {
        return 0.0;
    }
    let (row1, row2) = ((a + b) as f64, (c + d) as f64);
    let (col1, col2) = ((a + c) as f64, (b + d) as f64);
    let term = |observed: u64, expected: f64| {
        if observed == 0 || expected == 0.0 {
            0.0
        } else {
            let o = observed as f64;
            o * (o / expected).ln()
        }
    };
    let value = 2.0
        * (term(a, row1 * col1 / n)
            + term(b, row1 * col2 / n)
            + term(c, row2 * col1 / n)
            + term(d, row2 * col2 / n));
    // a/(a+c) vs b/(b+d), compared without division
    let over = (a as u128 * (b + d) as u128).cmp(&(b as u128 * (a + c) as u128));
    match over {
        std::cmp::Ordering::Greater => value.max(0.0),
        std::cmp::Ordering::Less => -value.max(0.0),
        std::cmp::Ordering::Equal => 0.0,
    }
}

/// Upper tail of the χ² distribution with one degree of freedom at `|x|`.
pub fn p_chi2_1(x: f64) -> f64 {
    libm::erfc((x.abs() / 2.0).sqrt())
}

/// Hardie's (2014) Log Ratio: log2 of the ratio of relative frequencies, a zero count
/// replaced by 0.5. `None` when either side has no tokens at all.
pub fn log_ratio(a: u64, words_target: u64, b: u64, words_reference: u64) -> Option<f64> {
    if words_target == 0 || words_reference == 0 {
        return None;
    }
    let a = if a == 0 { 0.5 } else { a as f64 };
    let b = if b == 0 { 0.5 } else { b as f64 };
    Some(((a / words_target as f64) / (b / words_reference as f64)).log2())
}

/// Wilson score interval for `successes` of `n` at 95 % (z = 1.959964). `(0, 0)` for n = 0.
pub fn wilson_95(successes: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Weighted log-odds z-score with an informative Dirichlet prior (Monroe, Colaresi & Quinn
/// 2008), exactly as tidylo's `bind_log_odds()` with its default empirical-Bayes prior:
///
/// - `y` = n + α, the pair's pseudo-count, α being the feature's total count over all sets;
/// - `set_total` = the sum of the set's pseudo-counts (n_i), over the features it has;
/// - `feature_total` = the feature's summed pseudo-counts (y_w), over the sets that have it;
/// - `grand_total` = the sum of all pseudo-counts.
pub fn log_odds_z(y: u64, set_total: u64, feature_total: u64, grand_total: u64) -> f64 {
    let (y, ni, yw, all) = (
        y as f64,
        set_total as f64,
        feature_total as f64,
        grand_total as f64,
    );
    let omega_set = y / (ni - y);
    let omega_all = yw / (all - yw);
    let delta = omega_set.ln() - omega_all.ln();
    delta / (1.0 / y + 1.0 / yw).sqrt()
}

/// Cosine similarity of two non-negative vectors; `None` when either is all zeros.
pub fn cosine(a: &[f64], b: &[f64]) -> Option<f64> {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    (na > 0.0 && nb > 0.0).then(|| (dot / (na * nb)).min(1.0))
}

/// Jensen–Shannon divergence, base 2, of two non-negative vectors each normalized to sum to
/// 1: in [0, 1], 0 for proportional vectors, 1 for vectors with no non-zero entry in common.
/// `None` when either is all zeros.
pub fn jensen_shannon(a: &[f64], b: &[f64]) -> Option<f64> {
    let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    if sa <= 0.0 || sb <= 0.0 {
        return None;
    }
    // KL(P || M) with M = (P + Q) / 2, a zero of P contributing 0
    let kl_to_mean = |p: &[f64], sp: f64, q: &[f64], sq: f64| -> f64 {
        p.iter()
            .zip(q)
            .map(|(&x, &y)| {
                let (x, y) = (x / sp, y / sq);
                if x > 0.0 {
                    x * (2.0 * x / (x + y)).log2()
                } else {
                    0.0
                }
            })
            .sum()
    };
    let js = 0.5 * kl_to_mean(a, sa, b, sb) + 0.5 * kl_to_mean(b, sb, a, sa);
    Some(js.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, want: f64) {
        assert!((x - want).abs() < 1e-6, "{x} != {want}");
    }

    /// quanteda's test case: target "b×7 a×3", reference "a×7 b×2".
    #[test]
    fn g2_matches_quanteda() {
        close(g2(7, 2, 3, 7), 4.534939);
        close(g2(3, 7, 7, 2), -4.534939);
        assert_eq!(g2(0, 0, 5, 5), 0.0);
        assert_eq!(g2(1, 1, 9, 9), 0.0);
        // a zero cell contributes nothing instead of NaN
        assert!(g2(0, 5, 10, 10).is_finite() && g2(0, 5, 10, 10) < 0.0);
    }

    #[test]
    fn chi2_tail() {
        close(p_chi2_1(3.841458820694124), 0.05);
        close(p_chi2_1(-6.634896601021214), 0.01);
        assert_eq!(p_chi2_1(0.0), 1.0);
        let tiny = p_chi2_1(400.0);
        assert!(tiny > 0.0 && tiny < 1e-80, "{tiny}");
    }

    /// Hardie (2014): relative frequencies 0.0006 vs 0.0002.
    #[test]
    fn log_ratio_matches_hardie() {
        close(log_ratio(6, 10_000, 2, 10_000).unwrap(), 1.5849625);
        close(log_ratio(0, 10_000, 1, 20_000).unwrap(), 0.0);
        assert_eq!(log_ratio(1, 10, 1, 0), None);
    }

    #[test]
    fn wilson_3_of_10() {
        let (lo, hi) = wilson_95(3, 10);
        assert!(
            (lo - 0.1078).abs() < 5e-5 && (hi - 0.6032).abs() < 5e-5,
            "{lo} {hi}"
        );
        assert_eq!(wilson_95(0, 0), (0.0, 0.0));
        assert_eq!(wilson_95(0, 5).0, 0.0);
        assert_eq!(wilson_95(5, 5).1, 1.0);
    }

    /// tidylo's published example: sets vs = 0/1, features gear 3/4/5.
    #[test]
    fn log_odds_matches_tidylo() {
        let counts = [[12u64, 2, 4], [3, 10, 1]];
        let alpha: Vec<u64> = (0..3).map(|f| counts[0][f] + counts[1][f]).collect();
        let y = |s: usize, f: usize| counts[s][f] + alpha[f];
        let set_total = |s: usize| (0..3).map(|f| y(s, f)).sum::<u64>();
        let feature_total = |f: usize| y(0, f) + y(1, f);
        let grand: u64 = (0..2).map(set_total).sum();
        let want = [
            [1.1728347, -1.3767516, 0.4033125],
            [-1.1354777, 1.5661168, -0.4362340],
        ];
        for (s, row) in want.iter().enumerate() {
            for (f, z) in row.iter().enumerate() {
                close(
                    log_odds_z(y(s, f), set_total(s), feature_total(f), grand),
                    *z,
                );
            }
        }
    }

    #[test]
    fn cosine_and_jensen_shannon_of_topic_profiles() {
        // scipy.spatial.distance.jensenshannon([0.5, 0.5, 0], [0, 0.5, 0.5], base=2) ** 2 = 0.5
        let js = jensen_shannon(&[0.5, 0.5, 0.0], &[0.0, 0.5, 0.5]).unwrap();
        assert!((js - 0.5).abs() < 1e-12, "{js}");
        assert_eq!(jensen_shannon(&[1.0, 0.0], &[0.0, 1.0]), Some(1.0));
        // proportional profiles are the same distribution
        assert!(jensen_shannon(&[0.2, 0.4], &[0.1, 0.2]).unwrap().abs() < 1e-12);
        assert_eq!(jensen_shannon(&[0.0, 0.0], &[0.1, 0.2]), None);
        // cos = 0.25 / (sqrt(0.5) · sqrt(0.5)) = 0.5
        let c = cosine(&[0.5, 0.5, 0.0], &[0.0, 0.5, 0.5]).unwrap();
        assert!((c - 0.5).abs() < 1e-12);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), Some(0.0));
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), None);
    }
}
