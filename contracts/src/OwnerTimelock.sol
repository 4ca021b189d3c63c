// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OwnerTimelock
/// @notice The owner of LockingPool: OpenZeppelin's TimelockController, with no admin. Governance (the proposers)
/// schedules each owner call, which anyone may execute once `getMinDelay()` has passed; the delay itself changes
/// only through the same delay. Sequencers and their delegators see every change coming and can leave before it.
contract OwnerTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
