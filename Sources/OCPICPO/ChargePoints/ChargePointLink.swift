import OCPI221
import OCPIRuntime

/// The CPO's link to its charge points: what a CPO plugs in (its OCPP backend) so that eMSPs'
/// commands and charging profiles reach real hardware. The server ships a simulator for it.
///
/// The server has already checked what it can (the location, EVSE and connector exist; a
/// session belongs to the eMSP that asks) and answered the eMSP at once; each method returns
/// what the charge point answered, and the server posts it to the eMSP's `response_url`. A
/// method that does not return within the command timeout is reported as TIMEOUT.
public protocol ChargePointLink: Sendable {
    /// `driver` is the eMSP (its party) that sent the command.
    func startSession(_ command: StartSession, driver: PartyIdentity) async -> CommandResultType
    func stopSession(_ command: StopSession) async -> CommandResultType
    func reserveNow(_ command: ReserveNow, driver: PartyIdentity) async -> CommandResultType
    func cancelReservation(_ command: CancelReservation) async -> CommandResultType
    func unlockConnector(_ command: UnlockConnector) async -> CommandResultType

    func activeChargingProfile(sessionID: String, duration: Int) async -> ActiveChargingProfileResult
    func setChargingProfile(sessionID: String, _ profile: ChargingProfile) async -> ChargingProfileResultType
    func clearChargingProfile(sessionID: String) async -> ChargingProfileResultType
}
