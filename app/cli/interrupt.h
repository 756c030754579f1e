#pragma once
// Ctrl-C handling: the first SIGINT asks the running work to stop at its next check point; a
// second one ends the process at once.

#include "core/cancel.h"

namespace blade::cli {

blade::CancelToken& interrupt_token();
void install_interrupt_handler();

}  // namespace blade::cli
