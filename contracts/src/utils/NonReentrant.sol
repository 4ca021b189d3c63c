// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title NonReentrant
/// @notice A reentrancy guard on a transient (EIP-1153) flag: the same guarantee as OpenZeppelin's
/// ReentrancyGuardTransient, written with the language's `transient` storage so the build stays free of the
/// compiler's inline-`tstore` warning. The flag is cleared at the end of every guarded call.
abstract contract NonReentrant {
    bool private transient _entered;

    error ReentrantCall();

    modifier nonReentrant() {
        if (_entered) revert ReentrantCall();
        _entered = true;
        _;
        _entered = false;
    }
}
