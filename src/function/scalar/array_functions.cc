#include "function/scalar/kernel_util.h"

namespace laminar::function {

void RegisterArrayFunctions(FunctionRegistry*) {}

}  // namespace laminar::function
