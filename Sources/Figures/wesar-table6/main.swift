// wesar Table 6: the compared methods, described by their own code (Reparameterization.summary)
// and the extra trained parameters each adds to the small model.
import Foundation
import PaperWeSaR
import SpikeFigures
import SpikeModel

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "table6", figure: "Table 6", title: "The compared reparameterisation methods")
    let setup = context.setup
    var rows: [[TableCell]] = []
    for method in WeSaRMethod.allCases where method != .smallInit {
        let config = setup.model(method, size: setup.small)
        let layout = ParameterLayout(config)
        let extra = layout.specs.filter { $0.offset >= layout.plainCount && $0.trainable }.reduce(0) { $0 + $1.count }
        let s = config.reparameterization!.summary
        rows.append([.text(s.name), .text(s.matrices), .text(s.gate), .text(s.normalises ? "yes" : "no"), .text(s.granularity),
                     .text(s.formula), .number(Double(extra), .integer)])
        context.result.numbers["\(method.rawValue).extra_parameters"] = Double(extra)
    }
    context.result.add(Table(id: "methods", title: "wesar Table 6: methods compared", columns: ["method", "matrices", "gate", "normalises", "granularity", "definition", "extra trained parameters (small model)"],
                             rows: rows, notes: ["Generated from Reparameterization.summary and the parameter layout of each method."]))
    try context.output.write(context.result)
}
