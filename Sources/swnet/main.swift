import CSwnetLinux
import Glibc
import SwnetCommands

// A closed stdin, stdout or stderr (`>&-`) would hand its number to the next
// socket, and data meant for the terminal would go to the network; one open
// the wrong way (`1</dev/null`) would fail every write. Point it at
// /dev/null instead.
for fd: Int32 in 0...2 {
    let mode = fcntl(fd, F_GETFL)
    let usable = mode != -1 && (mode & O_ACCMODE == O_RDWR || mode & O_ACCMODE == (fd == 0 ? O_RDONLY : O_WRONLY))
    if !usable {
        let null = open("/dev/null", O_RDWR)
        if null != fd {
            dup2(null, fd)
            close(null)
        }
    }
}
// A vanished reader must be an EPIPE error we report, not a silent death.
signal(SIGPIPE, SIG_IGN)
swnet_exit_on_interrupt(130)

let arguments = CommandLine.arguments
// Copied above; now out of sight of `ps`.
for secret in PasswordArguments.secrets(in: arguments) {
    if let argument = CommandLine.unsafeArgv[secret.index] {
        memset(argument + secret.offset, Int32(UInt8(ascii: "*")), secret.length)
    }
}
exit(Entry.run(Array(arguments.dropFirst())))
