#include "function/scalar/kernel_util.h"

namespace laminar::function {

void RegisterMathFunctions(FunctionRegistry*) {}

}  // namespace laminar::function
