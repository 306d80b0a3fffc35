package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * portforward.k8s.io over SPDY: each forwarded connection is a data stream and an error stream sharing a
 * requestID; any number of them may run at once on one client connection.
 */
final class SpdyPortForwardHandler extends SpdyFrameHandler {
    private static final Log LOG = Log.of("stream");

    /** The two streams of one forwarded connection, confined to the event loop until it starts. */
    private static final class Pair {
        Integer dataId;
        Integer errorId;
        int port = -1;
        String badPort;
        InboundPipe upload;
        PortForwarder forwarder;
    }

    private final StreamRequest.PortForward request;
    private final StreamBackend backend;
    private final Map<String, Pair> pairs = new HashMap<>();
    private final Map<Integer, Pair> pairsByDataStream = new HashMap<>();
    private ReadGate gate;

    SpdyPortForwardHandler(StreamRequest.PortForward request, StreamBackend backend) {
        this.request = request;
        this.backend = backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        streams = new SpdyStreams(ctx.channel());
        gate = new ReadGate(ctx.channel());
    }

    @Override
    protected void onNewStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
        int id = syn.streamId();
        String type = syn.headers().getAsString("streamtype");
        String requestId = syn.headers().getAsString("requestid");
        streams.accept(id, type);
        if (requestId == null) {
            // clients before requestID paired the error stream with the data stream opened right after it
            requestId = String.valueOf("data".equals(type) ? id - 2 : id);
        }
        Pair pair = pairs.computeIfAbsent(requestId, k -> new Pair());
        String portText = syn.headers().getAsString("port");
        try {
            int port = Integer.parseInt(String.valueOf(portText));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            // the CRI request may name no ports (kubectl over SPDY sends them per stream); when it does, stick to them
            if (!request.ports().isEmpty() && !request.ports().contains(port)) {
                pair.badPort = "port " + port + " was not requested for this port forward session";
            } else {
                pair.port = port;
            }
        } catch (NumberFormatException e) {
            pair.badPort = "unable to parse \"" + portText + "\" as a port";
        }
        if ("data".equals(type) && pair.dataId == null) {
            pair.dataId = id;
            pair.upload = new InboundPipe(gate);
            pairsByDataStream.put(id, pair);
        } else if ("error".equals(type) && pair.errorId == null) {
            pair.errorId = id;
        } else {
            LOG.info("rejecting unexpected port forward stream", "stream_type", String.valueOf(type), "request_id", requestId);
            streams.reset(id);
            return;
        }
        if (pair.dataId != null && pair.errorId != null) {
            start(requestId, pair);
        } else {
            String rid = requestId;
            ctx.executor().schedule(() -> abandonIncomplete(rid, pair), SpdyRemoteCommandHandler.STREAM_CREATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void abandonIncomplete(String requestId, Pair pair) {
        if (pair.forwarder == null && pairs.remove(requestId, pair)) {
            LOG.info("port forward request incomplete, resetting", "request_id", requestId);
            if (pair.dataId != null) {
                pairsByDataStream.remove(pair.dataId);
                pair.upload.close();
                streams.reset(pair.dataId);
            }
            if (pair.errorId != null) {
                streams.reset(pair.errorId);
            }
        }
    }

    private void start(String requestId, Pair pair) {
        FrameOutputStream errors = streams.output(pair.errorId);
        if (pair.badPort != null) {
            pairs.remove(requestId);
            pairsByDataStream.remove(pair.dataId);
            pair.upload.close();
            Thread.ofVirtual().start(() -> {
                errors.writeQuietly(pair.badPort);
                errors.close();
                streams.finish(pair.dataId);
            });
            return;
        }
        pair.forwarder = new PortForwarder(backend, request.podId(), pair.port, pair.upload, streams.output(pair.dataId), errors);
        int dataId = pair.dataId;
        pair.forwarder.start(() -> streams.channel().eventLoop().execute(() -> {
            pairsByDataStream.remove(dataId);
            pairs.remove(requestId, pair);
        }));
    }

    @Override
    protected void onData(SpdyDataFrame data) {
        Pair pair = pairsByDataStream.get(data.streamId());
        if (pair != null) {
            pair.upload.offer(data.content());
            if (data.isLast()) {
                pair.upload.finish();
            }
        }
    }

    @Override
    protected void onReset(int id) {
        Pair pair = pairsByDataStream.remove(id);
        if (pair != null) {
            pairs.values().remove(pair);
            if (pair.forwarder != null) {
                pair.forwarder.abort();
            } else {
                pair.upload.close();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (Pair pair : pairsByDataStream.values()) {
            if (pair.forwarder != null) {
                pair.forwarder.abort();
            } else {
                pair.upload.close();
            }
        }
        pairsByDataStream.clear();
        pairs.clear();
        super.channelInactive(ctx);
    }
}
