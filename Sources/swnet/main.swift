import CSwnetLinux
import Glibc
import SwnetCommands

// A closed stdin, stdout or stderr (`>&-`) would hand its number to the next
// socket, and data meant for the terminal would go to the network; one open
// the wrong way (`1</dev/null`) would fail every write. stdin and stderr
// become /dev/null. stdout becomes a pipe nobody reads, so data written to
// it fails as it does when a reader goes away (exit 10) instead of
// vanishing, while a command that writes nothing there still succeeds.
for fd: Int32 in 0...2 {
    let mode = fcntl(fd, F_GETFL)
    let usable = mode != -1 && (mode & O_ACCMODE == O_RDWR || mode & O_ACCMODE == (fd == 0 ? O_RDONLY : O_WRONLY))
    if !usable {
        var ends: [Int32] = [-1, -1]
        let replacement = fd == 1 && pipe(&ends) == 0 ? ends[1] : open("/dev/null", O_RDWR)
        if fd == 1 && ends[0] >= 0 { close(ends[0]) }
        if replacement != fd {
            dup2(replacement, fd)
            close(replacement)
        }
    }
}
// A vanished reader must be an EPIPE error we report, not a silent death.
signal(SIGPIPE, SIG_IGN)
swnet_exit_on_interrupt(130)

let arguments = CommandLine.arguments
if arguments.dropFirst().prefix(while: { $0 != "--" }).contains("--json") { swnet_interrupt_as_json() }
// Copied above; now out of sight of `ps`.
for secret in PasswordArguments.secrets(in: arguments) {
    if let argument = CommandLine.unsafeArgv[secret.index] {
        memset(argument + secret.offset, Int32(UInt8(ascii: "*")), secret.length)
    }
}
swnet_exit(Entry.run(Array(arguments.dropFirst())))
