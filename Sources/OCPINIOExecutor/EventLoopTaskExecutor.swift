import NIOCore

/// Swift's task executor over one NIO event loop: a task that prefers it, and every nonisolated
/// async function it calls, runs on that loop's thread. The HTTP server runs each route's task on
/// its connection's loop, the pusher its streams on loops of their own, and the SQLite store
/// every write, while it holds the writer, on the writer's loop.
///
/// Without it, a route's task started from the HTTP handler runs on the global executor; in
/// `ocpi-cpo` that is NIO's event loops too
/// (`unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`), but NIO runs
/// those jobs as the loop's serial executor, so each call into a nonisolated async function
/// (SQLKit's, ours) went back through the loop's queue to reach the generic executor: a loop
/// tick per call, about 7% of a request for one location.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
