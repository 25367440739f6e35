// The runtime evaluates the model's `RuleSet`: a client of the runtime gets
// the model types with it, without importing the compiler.
@_exported public import HeraldModel
