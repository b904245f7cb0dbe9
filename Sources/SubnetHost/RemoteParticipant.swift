import ChainAPI
import Ledger
import Wire

/// What a validator or a miner on another machine than the chain opens first: its own data
/// folder (private, with a ledger for the plugin's store and its records) and the chain,
/// reached as its hotkey.
enum RemoteParticipant {
    static func open(
        dataDirectory: String, chainURL: String, chainHotkey: SS58Address, signer: any PayloadSigner
    ) throws -> (Ledger, RemoteChain) {
        try PrivateFiles.makeDirectory(dataDirectory, clamp: true)
        return (
            try Ledger(path: LocalNet.ledgerPath(dataDirectory: dataDirectory)),
            RemoteChain(url: chainURL, chainHotkey: chainHotkey, signer: signer)
        )
    }
}
