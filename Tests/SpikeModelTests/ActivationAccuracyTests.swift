import Foundation
import Testing
@testable import SpikeModel

/// The vectorised GELU against the exact erf form in Double: absolute error below 3e-7 * max(1, |x|)
/// for the value and 1e-6 for the derivative, over [-12, 12].
@Suite struct ActivationAccuracyTests {
    @Test func geluAndItsDerivativeMatchTheExactErfForm() {
        var worstValue = 0.0, worstDerivative = 0.0
        for i in 0...24000 {
            let x = Float(i) * 0.001 - 12
            let xd = Double(x)
            let cdf = 0.5 * (1 + erf(xd / 2.0.squareRoot()))
            let exact = xd * cdf
            let exactDerivative = cdf + xd * Foundation.exp(-xd * xd / 2) / (2 * Double.pi).squareRoot()
            worstValue = max(worstValue, abs(Double(MLPActivation.gelu(x)) - exact) / max(1, abs(xd)))
            worstDerivative = max(worstDerivative, abs(Double(MLPActivation.geluDerivative(x)) - exactDerivative))
        }
        #expect(worstValue < 3e-7, "gelu worst error \(worstValue)")
        #expect(worstDerivative < 1e-6, "gelu derivative worst error \(worstDerivative)")
    }
}
