import CCurl
import SwnetCore
import SwnetTransfer

/// Runs the downloads of one `http-get` on one multi handle, so that URLs
/// on the same server reuse its connection: at most `parallel` at once
/// (a download waiting to retry keeps its place), started in the order
/// given.
///
/// Bodies bound for stdout never mix: such a download starts only when the
/// one before it on stdout has finished. Failures are reported as they
/// happen; `--json` records come out in the order of the URLs.
final class DownloadQueue {
    private let downloads: [Download]
    private let parallel: Int
    private let console: Console
    private let progress: ProgressBar?
    /// Made for the first transfer (see `multi()`).
    private var multiHandle: MultiHandle?
    private var outcomes: [Download.Outcome?]
    /// The first download not started yet.
    private var next = 0
    /// Downloads in the multi handle (their indices): a handful, so a list,
    /// as in MultiHandle.
    private var running: [Int] = []
    /// Downloads waiting to retry, and when.
    private var waiting: [(index: Int, at: MonotonicClock.Instant)] = []
    /// `--json` records written so far: the first `reported` URLs'.
    private var reported = 0
    /// Bytes of the downloads that have finished, for the progress bar.
    private var finishedBytes: Int64 = 0

    init(_ downloads: [Download], parallel: Int, console: Console, progress: ProgressBar?) throws {
        self.downloads = downloads
        self.parallel = parallel
        self.console = console
        self.progress = progress
        outcomes = Array(repeating: nil, count: downloads.count)
    }

    /// Runs every download to its end and returns how each ended, in order.
    func run() throws -> [Download.Outcome] {
        while true {
            startDueRetries()
            while running.count + waiting.count < parallel, next < downloads.count, mayStart(next) {
                start(next)
                next += 1
            }
            if running.isEmpty && waiting.isEmpty && next >= downloads.count { break }
            for completion in try multi().run(timeout: pollTimeout()) {
                guard let slot = running.firstIndex(where: { downloads[$0].handle === completion.handle }) else { continue }
                let index = running.remove(at: slot)
                finished(index, downloads[index].finish(completion))
            }
            stopIdleDownloads()
            showProgress()
        }
        if let progress {
            let (done, total) = progressTotals()
            if done > 0 || total != nil { progress.finish(label: progressLabel, done: done, total: total) }
        }
        return outcomes.map { $0! }
    }

    // MARK: Scheduling

    /// The multi handle, made when the first transfer needs it: a run whose
    /// every URL is a fresh cache hit never loads libcurl.
    private func multi() throws -> MultiHandle {
        if let multiHandle { return multiHandle }
        let made = try MultiHandle()
        multiHandle = made
        return made
    }

    /// A download for stdout waits for the one before it on stdout.
    private func mayStart(_ index: Int) -> Bool {
        guard downloads[index].writesStdout else { return true }
        return !downloads[..<index].indices.contains { downloads[$0].writesStdout && outcomes[$0] == nil }
    }

    private func start(_ index: Int) {
        let download = downloads[index]
        if let outcome = download.serveFromCache() {
            finished(index, .finished(outcome))
            return
        }
        do {
            let handle = try download.prepareAttempt()
            try multi().add(handle)
            running.append(index)
        } catch let error as SwnetError {
            finished(index, .finished(Download.Outcome(error: error, report: HTTPReport.failed(url: download.shown, error: error), summary: nil)))
        } catch {
            preconditionFailure("\(error)")
        }
    }

    private func startDueRetries() {
        let now = MonotonicClock.now
        let due = waiting.filter { $0.at <= now }
        waiting.removeAll { $0.at <= now }
        for entry in due { start(entry.index) }
    }

    /// Wait for the network at most until the next retry or idle timeout
    /// is due, and briefly while a progress bar needs redrawing.
    private func pollTimeout() -> Duration {
        var timeout: Duration = progress == nil ? .seconds(1) : ProgressBar.interval
        var soonest: MonotonicClock.Instant?
        for entry in waiting { soonest = min(soonest ?? entry.at, entry.at) }
        for index in running {
            if let deadline = downloads[index].idleDeadline { soonest = min(soonest ?? deadline, deadline) }
        }
        if let soonest { timeout = min(timeout, max(.zero, soonest - .now)) }
        return timeout
    }

    /// Ends the transfers that received nothing for `--idle-timeout`, as timeouts.
    private func stopIdleDownloads() {
        let now = MonotonicClock.now
        for index in running {
            guard let handle = downloads[index].handle, let error = downloads[index].idleFailure(now: now) else { continue }
            multiHandle?.remove(handle)
            running.removeAll { $0 == index }
            finished(index, downloads[index].finish(MultiHandle.Completion(handle: handle, error: error, code: CURLE_OPERATION_TIMEDOUT)))
        }
    }

    private func finished(_ index: Int, _ next: Download.Next) {
        let download = downloads[index]
        switch next {
        case .retry(let wait, let reason):
            waiting.append((index, .now + wait))
            progress?.clear()
            console.note("\(HTTPGetCommand.spec.name): \(download.shown): \(reason); retry \(download.attempt) of \(download.retries) in \(TimeSpan.format(wait))")
        case .again:
            waiting.append((index, .now))
        case .finished(let outcome):
            outcomes[index] = outcome
            finishedBytes += download.progress.done
            if let error = outcome.error, !console.json {
                progress?.clear()
                console.report(error.adding(download.shown), command: HTTPGetCommand.spec.name)
            } else if let summary = outcome.summary {
                if console.verbosity >= 1 { progress?.clear() }
                console.verbose("\(HTTPGetCommand.spec.name): \(download.shown): \(summary)")
            }
            if console.json {
                while reported < outcomes.count, let ready = outcomes[reported] {
                    console.emit(ready.report)
                    reported += 1
                }
            }
        }
    }

    // MARK: Progress

    private var progressLabel: String {
        if downloads.count == 1, let path = downloads[0].output.destination.path {
            return String(path.split(separator: "/").last ?? Substring(path))
        }
        return "\(outcomes.filter { $0 != nil }.count)/\(downloads.count) files"
    }

    /// All bytes so far; the expected total only for a single download,
    /// where it means something.
    private func progressTotals() -> (Int64, Int64?) {
        if downloads.count == 1 { return downloads[0].progress }
        return (finishedBytes + running.reduce(0) { $0 + downloads[$1].progress.done }, nil)
    }

    private func showProgress() {
        guard let progress, !running.isEmpty else { return }
        let (done, total) = progressTotals()
        if done == 0 && total == nil { return }  // nothing to show before the first answer
        progress.update(label: progressLabel, done: done, total: total)
    }
}
