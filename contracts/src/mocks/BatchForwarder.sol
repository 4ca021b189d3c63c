// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test helper: relays a call from a contract (msg.sender != tx.origin), bubbling up any revert, so tests can
/// show BatchChain refuses calldata-mode data that is not in the transaction's own input.
contract BatchForwarder {
    function forward(address target, bytes calldata call) external {
        (bool ok, bytes memory returned) = target.call(call);
        if (!ok) {
            assembly {
                revert(add(returned, 32), mload(returned))
            }
        }
    }
}
