// Requests, responses and their header fields are swift-http-types' throughout, from the socket
// to a route and in the client transports: whoever imports the runtime gets them by name, as
// with Hummingbird.
@_exported import struct HTTPTypes.HTTPField
@_exported import struct HTTPTypes.HTTPFields
@_exported import struct HTTPTypes.HTTPRequest
@_exported import struct HTTPTypes.HTTPResponse
