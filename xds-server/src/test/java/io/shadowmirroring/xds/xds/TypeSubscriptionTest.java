package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TypeSubscriptionTest {
  private final TypeSubscription sub = new TypeSubscription(XdsTypes.CLUSTER);

  @Test
  @DisplayName("the versions of the last eight nonces are known, older ones and nonces not ours are not")
  void versionsOfTheLastEightNonces() {
    assertThat(sub.versionOf("1")).isEmpty();
    for (int nonce = 1; nonce <= 11; nonce++) {
      sub.sent(Long.toString(nonce), "v" + nonce);
    }
    for (int nonce = 4; nonce <= 11; nonce++) {
      assertThat(sub.versionOf(Long.toString(nonce))).isEqualTo("v" + nonce);
    }
    assertThat(sub.versionOf("3")).isEmpty();
    assertThat(sub.versionOf("12")).isEmpty();
    assertThat(sub.sentVersion).isEqualTo("v11");
    // Written otherwise than the stream writes its nonces: not a nonce it sent.
    for (String other : new String[] {"", "0", "011", "+11", "-11", "11 ", "1x", "99999999999999999999"}) {
      assertThat(sub.versionOf(other)).as(other).isEmpty();
    }
  }

  @Test
  @DisplayName("assignments to resend are pending until done, then none is")
  void resendUntilDone() {
    assertThat(sub.resendPending()).isFalse();
    sub.resend("a");
    sub.resend("b");
    assertThat(sub.resendPending()).isTrue();
    assertThat(sub.resends("a")).isTrue();
    assertThat(sub.resends("c")).isFalse();
    sub.resendDone();
    assertThat(sub.resendPending()).isFalse();
    assertThat(sub.resends("a")).isFalse();
    sub.resend("c");
    assertThat(sub.resends("c")).isTrue();
    assertThat(sub.resends("a")).isFalse();
  }
}
