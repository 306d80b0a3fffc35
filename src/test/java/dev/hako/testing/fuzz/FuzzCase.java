package dev.hako.testing.fuzz;

import io.grpc.MethodDescriptor;

/**
 * One request of a fuzz run: the RPC, the bytes sent as its payload (often not a valid encoding
 * of the request message) and a short description for failure reports.
 */
public record FuzzCase(int index, MethodDescriptor<?, ?> method, byte[] payload, String what) {
    public String rpc() {
        return method.getBareMethodName();
    }

    @Override
    public String toString() {
        return "#" + index + " " + rpc() + " (" + what + ", " + payload.length + " bytes)";
    }
}
