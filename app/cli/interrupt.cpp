#include "interrupt.h"

#include <csignal>
#include <unistd.h>

namespace blade::cli {
namespace {

volatile std::sig_atomic_t interrupts = 0;

void on_interrupt(int) {
  if (++interrupts > 1) _exit(130);
  interrupt_token().request();  // an atomic store: safe in a signal handler
  constexpr char kMessage[] = "\nblade: stopping at the next step (Ctrl-C again to quit now)\n";
  [[maybe_unused]] auto written = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
}

}  // namespace

blade::CancelToken& interrupt_token() {
  static blade::CancelToken token;
  return token;
}

void install_interrupt_handler() {
  interrupt_token();
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace blade::cli
