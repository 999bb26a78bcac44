#include "function/scalar/kernel_util.h"

namespace laminar::function {

void RegisterJsonFunctions(FunctionRegistry*) {}

}  // namespace laminar::function
