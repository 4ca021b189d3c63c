// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title MetisToken
/// @notice The devnet's stand-in for the METIS ERC-20 on L1: a plain 18-decimal token whose owner mints.
contract MetisToken is ERC20, Ownable {
    constructor(address initialOwner) ERC20("Metis Token", "METIS") Ownable(initialOwner) {}

    /// @notice Mints `amount` tokens to `to`; only the owner (the devnet deployer).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
