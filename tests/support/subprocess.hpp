// Runs a function in a forked child and reports how it ended and what it wrote to stderr:
// the way to test code paths that abort or trap (assertion hooks) without ending the test run.
#pragma once

#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace tagcache::test {

struct child_outcome {
    bool exited = false; // exited normally; exit_code is valid
    int exit_code = -1;
    bool signalled = false; // killed by a signal; signal_number is valid
    int signal_number = 0;
    std::string standard_error;
};

template <class Body>
child_outcome run_in_child(Body body) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        return {};
    const pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fds[0]);
        dup2(pipe_fds[1], STDERR_FILENO);
        body();
        _exit(0);
    }
    close(pipe_fds[1]);
    child_outcome outcome;
    char buffer[512];
    for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
        outcome.standard_error.append(buffer, static_cast<size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    outcome.exited = WIFEXITED(status);
    outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : -1;
    outcome.signalled = WIFSIGNALED(status);
    outcome.signal_number = outcome.signalled ? WTERMSIG(status) : 0;
    return outcome;
}

} // namespace tagcache::test
