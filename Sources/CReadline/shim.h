// GNU readline and its history library.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

// Readline's settings are C globals; Swift 6 sees any global `var` as shared mutable
// state, so the REPL sets and reads them through these functions (on its one thread).

static inline void dpl_rl_configure(const char *name, rl_completion_func_t *complete) {
  rl_catch_signals = 0;
  rl_readline_name = name;
  rl_attempted_completion_function = complete;
}

static inline const char *dpl_rl_line_buffer(void) { return rl_line_buffer; }

static inline void dpl_rl_completion_over(void) { rl_attempted_completion_over = 1; }

static inline void dpl_history_configure(void) {
  history_write_timestamps = 1;
  history_multiline_entries = 1;
  history_comment_char = '#';
}

static inline void dpl_print_interrupt(void) {
  fputs("^C\n", stdout);
  fflush(stdout);
}
