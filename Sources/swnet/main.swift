import CSwnetLinux
import Glibc
import SwnetCommands

// A vanished reader must be an EPIPE error we report, not a silent death.
signal(SIGPIPE, SIG_IGN)
swnet_exit_on_interrupt(130)
exit(Entry.run(Array(CommandLine.arguments.dropFirst())))
