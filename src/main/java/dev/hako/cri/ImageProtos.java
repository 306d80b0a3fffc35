package dev.hako.cri;

import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.Int64Value;
import dev.hako.image.Image;

/** A stored image as the CRI's Image message, for ListImages and ImageStatus. */
final class ImageProtos {
    private ImageProtos() {}

    static dev.hako.cri.v1.Image of(Image i) {
        dev.hako.cri.v1.Image.Builder b = dev.hako.cri.v1.Image.newBuilder()
                .setId(i.id())
                .addAllRepoTags(i.repoTags())
                .addAllRepoDigests(i.repoDigests())
                .setSize(i.size())
                .setSpec(ImageSpec.newBuilder().setImage(i.id()))
                .setPinned(i.pinned());
        // the kubelet checks runAsNonRoot against these: a numeric user is a uid, anything else a name
        String user = userPart(i.user());
        if (!user.isEmpty()) {
            if (user.chars().allMatch(Character::isDigit)) {
                b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(user)));
            } else {
                b.setUsername(user);
            }
        }
        return b.build();
    }

    /** {@code user[:group]} → user. */
    private static String userPart(String user) {
        int colon = user.indexOf(':');
        return colon >= 0 ? user.substring(0, colon) : user;
    }
}
