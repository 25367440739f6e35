// The compiler's result is the model's `RuleSet`: a client of the compiler
// gets the model types with it, as it did before they had their own module.
@_exported public import HeraldModel
