import SQLKit

/// Every thousandth row of a list, for the offsets a client computes itself.
///
/// A client that follows `Link` never skips rows (`PageSeek`), nor one that adds up offsets on
/// the instance that served the page before (`pageStarts`); a client that asks for a deep offset
/// it was not led to (another instance behind a load balancer, a resumed crawl, a jump to the
/// last page) made the database walk every entry before it: 56 ms at the end of a million
/// locations on SQLite, 400 ms on PostgreSQL, against half a millisecond for the first page. An
/// offset is a count, which neither database keeps in its indexes, so the count is kept here:
/// the first deep offset of a list walks its index once, keeping the `seq` of every thousandth
/// row, and every deep offset after it starts at the nearest of them and skips fewer than a
/// thousand entries.
///
/// Rows keep their `seq` and new ones come at the end, so only a delete moves later rows up: a
/// delete through this store forgets every list's checkpoints, and what another instance deletes
/// is seen when they expire (a minute), as with `pageStarts`. Lists counted row by row (a time
/// window, an owner) are left out: a change moves an object into or out of a time window.
struct OffsetCheckpoints: Sendable {
    /// `seqs[i]`: the `seq` of the row at position `(i + 1) * step - 1`, the last one before
    /// position `(i + 1) * step`.
    let seqs: [Int64]
}

extension SQLStore {
    /// Rows between two checkpoints.
    static let checkpointStep = 1000

    /// Where the page at `offset` starts when it is deep enough for checkpoints: after the row
    /// `after`, skipping `skip` more (fewer than `checkpointStep`); nil for a shallow offset,
    /// a list counted row by row, or an offset past the list's end when it was walked.
    func checkpointed(_ filter: ObjectFilter, _ clause: SQLQueryString, offset: Int, operation: String) async throws -> (after: Int64, skip: Int)? {
        guard offset >= Self.checkpointStep, !Self.isCountedRowByRow(filter) else { return nil }
        let checkpoints: OffsetCheckpoints
        if let kept = offsetCheckpoints.value(for: filter, at: .now) {
            checkpoints = kept
        } else {
            let generation = offsetCheckpoints.generation
            // One walk of the list's index, a thousand entries at a time from the last mark: each
            // step seeks past the mark and skips 999 entries, and only the marks come back. (A
            // window function numbering every row took ten times as long on SQLite: 610 ms for
            // a million rows, where the walk costs about what one skip to the end does.)
            let skip = "\(Self.checkpointStep - 1)"
            let rows = try await read("""
                WITH RECURSIVE marks(seq) AS (
                    SELECT (SELECT seq FROM objects WHERE \(clause) ORDER BY seq LIMIT 1 OFFSET \(unsafeRaw: skip))
                    UNION ALL
                    SELECT (SELECT seq FROM objects WHERE \(clause) AND seq > marks.seq ORDER BY seq LIMIT 1 OFFSET \(unsafeRaw: skip))
                    FROM marks WHERE marks.seq IS NOT NULL
                )
                SELECT seq FROM marks WHERE seq IS NOT NULL
                """, operation: operation).all()
            checkpoints = OffsetCheckpoints(seqs: try rows.map { try $0.decode(column: "seq", as: Int64.self) })
            offsetCheckpoints.remember(checkpoints, for: filter, cost: checkpoints.seqs.count + 1, at: .now, generation: generation)
        }
        let index = offset / Self.checkpointStep
        guard index <= checkpoints.seqs.count else { return nil }
        return (checkpoints.seqs[index - 1], offset - index * Self.checkpointStep)
    }
}
