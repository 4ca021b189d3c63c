// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title ReentrantToken
/// @notice Test-only ERC-20 that calls back into a contract while that contract is sending it tokens, to prove the
/// LockingPool's reentrancy guard. Never deployed outside the tests.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _callback;

    constructor() ERC20("Reentrant Token", "REENTER") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The next transfer out of `target` makes `target` receive `callback` from this token, once.
    function arm(address target, bytes calldata callback) external {
        _target = target;
        _callback = callback;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _target;
        if (target != address(0) && from == target) {
            _target = address(0);
            Address.functionCall(target, _callback);
        }
    }
}
