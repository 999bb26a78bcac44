#include "function/evaluator.h"
